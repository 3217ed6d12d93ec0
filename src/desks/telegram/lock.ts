/**
 * Short per-ticket locks in Redis, shared by every instance: while one instance posts a ticket's
 * pending messages into its topic (or records an agent's reply made there), no other instance
 * posts for that ticket, so a message is never mirrored twice nor echoed back. Held for one Bot
 * API call at a time; the TTL only frees the lock of an instance that died holding it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from '../../redis.js';
import { sleep } from './api.js';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Between two tries for a taken lock. */
const RETRY_MS = 50;

export class TicketLocks {
  constructor(
    private readonly redis: Redis,
    /** e.g. `omnidesk:telegram-desk:lock` */
    private readonly prefix: string,
    /** Longer than the longest call made under the lock (an upload). */
    private readonly ttlMs: number,
  ) {}

  /**
   * Takes the ticket's lock, waiting up to `waitMs` for it; resolves with its release, or null when
   * another holder kept it all that time (or `signal` aborted).
   */
  async acquire(ticketId: string, waitMs: number, signal: AbortSignal): Promise<(() => Promise<void>) | null> {
    const key = `${this.prefix}:${ticketId}`;
    const token = randomBytes(9).toString('hex');
    const deadline = Date.now() + waitMs;
    for (;;) {
      if ((await this.redis.set(key, token, 'PX', this.ttlMs, 'NX')) === 'OK') {
        return async () => {
          await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
        };
      }
      if (Date.now() >= deadline || signal.aborted) return null;
      await sleep(RETRY_MS, signal);
    }
  }
}
