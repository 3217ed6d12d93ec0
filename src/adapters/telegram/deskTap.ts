/**
 * One bot, two jobs. Telegram serves a bot's updates to one consumer (one getUpdates loop, or
 * one webhook): when the Telegram agent desk runs on the customer bot's own token, the customer
 * adapter is that consumer, and it hands the updates from the agents' chats to the desk instead
 * of the inbound pipeline. The adapter stays a translator: it only asks the tap whose update it
 * is; the desk (src/desks/telegram/) says which chats are its own and handles their updates.
 */
import type { Update } from 'grammy/types';
import type { UpdateOutcome } from './polling.js';

/** The desk's side of the tap. */
export interface DeskUpdateHandler {
  /** True when the update belongs to the desk (it comes from one of the agents' chats). */
  wants(update: Update): boolean;
  /** Handles it: 'retry' when it failed for a passing reason and should come again. */
  handle(update: Update): Promise<UpdateOutcome>;
}

export class TelegramDeskTap {
  private handler: DeskUpdateHandler | null = null;

  /** The desk attaches itself (only when it shares the customer bot's token); returns the detach. */
  attach(handler: DeskUpdateHandler): () => void {
    this.handler = handler;
    return () => {
      if (this.handler === handler) this.handler = null;
    };
  }

  /** The desk's handler when the update is the desk's, else null (the customer pipeline takes it). */
  route(update: Update): DeskUpdateHandler | null {
    return this.handler?.wants(update) ? this.handler : null;
  }
}
