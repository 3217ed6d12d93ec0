/**
 * Tells the other app instances that a new desk configuration version was stored, over Redis
 * pub/sub (as src/kb/kb-sync.ts does for articles); each reloads the newest version from
 * PostgreSQL, the source of truth. Pub/sub forgets what was sent while a subscriber was
 * disconnected, so after a reconnect the subscriber reloads anyway.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.js';
import type { Redis } from '../../redis.js';

interface Notice {
  origin: string;
  version: number;
}

export class DeskConfigFeed {
  private readonly origin = randomUUID();
  private onVersion: ((version: number | null) => void) | null = null;
  private readonly onMessage = (channel: string, payload: string): void => {
    if (channel !== this.channel || !this.onVersion) return;
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    if (notice.origin !== this.origin && Number.isInteger(notice.version)) this.onVersion(notice.version);
  };
  private readonly onReady = (): void => {
    this.log.info({ channel: this.channel }, 'desk config feed reconnected: reloading the desk configuration');
    this.onVersion?.(null);
  };

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    readonly channel: string,
    private readonly log: Logger,
  ) {}

  /** Subscribes: `onVersion` gets each version announced by another instance (null: maybe missed some). */
  async start(onVersion: (version: number | null) => void): Promise<void> {
    this.onVersion = onVersion;
    this.subscriber.on('message', this.onMessage);
    await this.subscriber.subscribe(this.channel);
    this.subscriber.on('ready', this.onReady);
  }

  /** Announces a new version. Best effort: a failure is logged; the others catch up on their next reload. */
  async publish(version: number): Promise<void> {
    const notice: Notice = { origin: this.origin, version };
    await this.publisher.publish(this.channel, JSON.stringify(notice)).catch((err: Error) => {
      this.log.warn({ err: err.message, version }, 'could not announce a new desk configuration version');
    });
  }

  async close(): Promise<void> {
    if (!this.onVersion) return;
    this.onVersion = null;
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('ready', this.onReady);
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}
