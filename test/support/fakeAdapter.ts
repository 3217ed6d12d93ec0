/** A channel adapter that records what it is asked to send: plugged in through the gateway's real wiring. */
import type { Router } from 'express';
import { StatusTracker, type ChannelAdapter, type ChannelStatus } from '../../src/adapters/adapter.js';
import type { Channel, ChannelSender, OutboundMessage, RateLimits, SendResult } from '../../src/core/model.js';

export interface SentMessage {
  chatId: string;
  text: string;
  messageId: string;
  at: number;
  /** Which fake sent it (two gateway instances each have one). */
  by: string;
}

export class RecordingSender implements ChannelSender {
  constructor(
    readonly channel: Channel,
    readonly sent: SentMessage[],
    readonly name = 'fake',
    readonly rateLimits?: RateLimits,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    this.sent.push({ chatId: message.chatId, text: message.text, messageId: message.id, at: Date.now(), by: this.name });
    return { platformMessageId: `out-${message.id}` };
  }
}

export class FakeAdapter implements ChannelAdapter {
  readonly tracker = new StatusTracker('connecting', 'fake mode');
  started = 0;
  stopped = 0;

  constructor(
    readonly channel: Channel,
    readonly sender: ChannelSender,
    readonly router?: Router,
    private readonly behaviour: { start?: () => Promise<void> } = {},
  ) {}

  async start(): Promise<void> {
    this.started += 1;
    if (this.behaviour.start) await this.behaviour.start();
    this.tracker.set('connected');
  }

  async stop(): Promise<void> {
    this.stopped += 1;
    this.tracker.set('disconnected');
  }

  status(): ChannelStatus {
    return this.tracker.get();
  }
}
