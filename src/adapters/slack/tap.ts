/**
 * One Slack app, two jobs. Slack sends all of an app's events to one place (its request URL, or
 * its Socket Mode connections), and the Slack desk is that place. When Slack is also a customer
 * channel (SLACK_CUSTOMER_CHANNELS, e.g. shared channels with client companies), the desk hands
 * what happens in those channels to the customer adapter through this tap. The desk stays a
 * desk: it only asks whose channel it is; the adapter says which channels are its own.
 */
import type { SlackEvent, SlackInteraction } from './payloads.js';

/** The customer adapter's side of the tap. */
export interface SlackCustomerHandler {
  /** True when the Slack channel is one of the customer channels. */
  wants(channel: string): boolean;
  /** A message event (new, edited, with files) in a customer channel. */
  message(event: SlackEvent): Promise<void>;
  /** A button of ours pressed in a customer channel. */
  press(payload: SlackInteraction): Promise<void>;
}

export class SlackCustomerTap {
  private handler: SlackCustomerHandler | null = null;

  /** The adapter attaches itself when it starts; returns the detach. */
  attach(handler: SlackCustomerHandler): () => void {
    this.handler = handler;
    return () => {
      if (this.handler === handler) this.handler = null;
    };
  }

  /** The adapter's handler when the channel is a customer channel, else null (the desk's own). */
  route(channel: string | undefined): SlackCustomerHandler | null {
    return channel && this.handler?.wants(channel) ? this.handler : null;
  }
}
