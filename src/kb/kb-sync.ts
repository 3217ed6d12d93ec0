/**
 * Keeps the knowledge-base indexes of all app instances in step. Every instance holds the whole
 * KB in memory; after a change, the instance that made it publishes the article ids on a Redis
 * channel, and the others reload just those articles from PostgreSQL (the source of truth).
 *
 * Redis pub/sub forgets messages sent while a subscriber is disconnected, so after a reconnect
 * the subscriber asks for a full re-sync instead.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';

/** What goes over the channel: `origin` lets an instance skip its own announcements. */
interface ChangeNotice {
  origin: string;
  ids: string[];
}

export interface KbChangeHandlers {
  /** These articles changed (or were deleted): reload them. */
  changed(ids: string[]): void;
  /** Announcements may have been missed: compare everything. */
  resync(): void;
}

export class KbChangeFeed {
  private readonly origin = randomUUID();
  private handlers: KbChangeHandlers | null = null;
  private readonly onMessage = (channel: string, payload: string): void => {
    if (channel !== this.channel || !this.handlers) return;
    let notice: ChangeNotice;
    try {
      notice = JSON.parse(payload) as ChangeNotice;
    } catch {
      return;
    }
    if (notice.origin === this.origin || !Array.isArray(notice.ids)) return;
    const ids = notice.ids.filter((id): id is string => typeof id === 'string');
    if (ids.length) this.handlers.changed(ids);
  };
  private readonly onReady = (): void => {
    this.log.info({ channel: this.channel }, 'kb change feed reconnected: re-syncing the knowledge base');
    this.handlers?.resync();
  };

  /**
   * @param publisher any connection (it only PUBLISHes)
   * @param subscriber a connection in subscriber mode, or null for a process that only announces (the CLI)
   */
  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis | null,
    readonly channel: string,
    private readonly log: Logger,
  ) {}

  /** Subscribes; from now on changes made elsewhere reach `handlers`. */
  async start(handlers: KbChangeHandlers): Promise<void> {
    if (!this.subscriber) return;
    this.handlers = handlers;
    this.subscriber.on('message', this.onMessage);
    await this.subscriber.subscribe(this.channel);
    // ioredis re-subscribes by itself after a reconnect; 'ready' then says we may have missed some.
    this.subscriber.on('ready', this.onReady);
  }

  /** Tells the other instances these articles changed. Best effort: a failure is logged, not thrown. */
  async publish(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const notice: ChangeNotice = { origin: this.origin, ids };
    await this.publisher.publish(this.channel, JSON.stringify(notice)).catch((err: Error) => {
      this.log.warn({ err: err.message, ids: ids.length }, 'could not announce a knowledge-base change; other instances see it after their next re-sync');
    });
  }

  async close(): Promise<void> {
    if (!this.subscriber || !this.handlers) return;
    this.handlers = null;
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('ready', this.onReady);
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}
