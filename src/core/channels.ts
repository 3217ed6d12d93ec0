/** The senders of the connected channels; the delivery worker looks them up here. */
import type { Channel, ChannelSender } from './model.js';

export class ChannelRegistry {
  private readonly senders = new Map<Channel, ChannelSender>();

  register(sender: ChannelSender): void {
    this.senders.set(sender.channel, sender);
  }

  get(channel: Channel): ChannelSender | undefined {
    return this.senders.get(channel);
  }
}
