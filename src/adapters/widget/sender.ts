/**
 * The widget's outbound side. The visitor's socket may be held by any app instance, so a
 * reply is published on Redis and every instance pushes it to the sockets it holds. A visitor
 * who is offline gets it with the history when they come back.
 */
import type { ChannelSender, OutboundMessage, SendResult } from '../../core/model.js';
import type { Redis } from '../../redis.js';
import type { WidgetMessage } from './protocol.js';

export interface WidgetEnvelope {
  visitorId: string;
  message: WidgetMessage;
}

export class WidgetSender implements ChannelSender {
  readonly channel = 'widget' as const;

  constructor(
    private readonly redis: Redis,
    private readonly topic: string,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    const envelope: WidgetEnvelope = {
      visitorId: message.chatId,
      message: {
        id: message.id,
        direction: 'out',
        author: message.author,
        text: message.text,
        buttons: message.buttons,
        sentAt: message.sentAt.toISOString(),
      },
    };
    await this.redis.publish(this.topic, JSON.stringify(envelope));
    return {};
  }
}
