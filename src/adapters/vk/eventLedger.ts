/**
 * VK's `event_id`s already handled. VK retries a callback it got no "ok" for, with the same
 * event_id, and two instances on Bots Long Poll both receive every event: the first to claim an
 * event handles it. Messages are safe without this (the pipeline keys them by message id), but
 * edits and button presses are not messages, and skipping a known event costs no database work.
 *
 * An event is `busy` while one handler works on it (for at most `busyMs`, so a crashed handler's
 * claim lapses), `done` for `doneMs` after it succeeded, and released when it failed, so VK's next
 * retry runs it again. Redis when the gateway has it (shared by every instance), else memory.
 */
import type { Redis } from '../../redis.js';

export type Claim = 'claimed' | 'busy' | 'done';

export interface EventLedger {
  claim(eventId: string): Promise<Claim>;
  done(eventId: string): Promise<void>;
  release(eventId: string): Promise<void>;
}

export interface LedgerTimes {
  busyMs: number;
  doneMs: number;
}

const TIMES: LedgerTimes = { busyMs: 60_000, doneMs: 24 * 60 * 60_000 };

export class RedisEventLedger implements EventLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly times: LedgerTimes = TIMES,
  ) {}

  async claim(eventId: string): Promise<Claim> {
    const key = this.key(eventId);
    if (await this.redis.set(key, 'busy', 'PX', this.times.busyMs, 'NX')) return 'claimed';
    return (await this.redis.get(key)) === 'done' ? 'done' : 'busy';
  }

  async done(eventId: string): Promise<void> {
    await this.redis.set(this.key(eventId), 'done', 'PX', this.times.doneMs);
  }

  async release(eventId: string): Promise<void> {
    await this.redis.del(this.key(eventId));
  }

  private key(eventId: string): string {
    return `${this.prefix}:vk:event:${eventId}`;
  }
}

/** One process's memory: enough for a single instance; bounded, oldest first out. */
export class MemoryEventLedger implements EventLedger {
  private readonly events = new Map<string, { state: 'busy' | 'done'; until: number }>();

  constructor(
    private readonly times: LedgerTimes = TIMES,
    private readonly maxEntries = 100_000,
  ) {}

  async claim(eventId: string): Promise<Claim> {
    const known = this.events.get(eventId);
    if (known && known.until > Date.now()) return known.state;
    this.set(eventId, 'busy', this.times.busyMs);
    return 'claimed';
  }

  async done(eventId: string): Promise<void> {
    this.set(eventId, 'done', this.times.doneMs);
  }

  async release(eventId: string): Promise<void> {
    this.events.delete(eventId);
  }

  private set(eventId: string, state: 'busy' | 'done', ttlMs: number): void {
    this.events.delete(eventId);
    if (this.events.size >= this.maxEntries) {
      const oldest = this.events.keys().next().value;
      if (oldest !== undefined) this.events.delete(oldest);
    }
    this.events.set(eventId, { state, until: Date.now() + ttlMs });
  }
}
