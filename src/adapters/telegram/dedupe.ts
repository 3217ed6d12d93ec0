/**
 * Idempotency by `update_id`. Telegram redelivers an update whose webhook call failed or timed
 * out, and a restarted poller may see its last batch again. Messages are safe anyway (the
 * pipeline's unique key on the message id), but a command's reply or a button press would
 * repeat: each update is claimed here first, and released again if handling it failed, so the
 * redelivery is handled then.
 */
import type { Redis } from '../../redis.js';

export interface UpdateLedger {
  /** True the first time an update is seen (and claims it); false for a redelivery. */
  claim(updateId: number): Promise<boolean>;
  /** Forgets a claim whose handling failed, so a redelivery is handled. */
  release(updateId: number): Promise<void>;
}

/** One instance's memory of the latest updates: enough for polling and a single webhook instance. */
export class MemoryLedger implements UpdateLedger {
  private readonly seen = new Set<number>();

  constructor(private readonly capacity = 10_000) {}

  async claim(updateId: number): Promise<boolean> {
    if (this.seen.has(updateId)) return false;
    this.seen.add(updateId);
    // A Set iterates in insertion order: drop the oldest.
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value!);
    return true;
  }

  async release(updateId: number): Promise<void> {
    this.seen.delete(updateId);
  }
}

/** Redis-backed: shared by every instance behind the webhook, and kept across restarts. */
export class RedisLedger implements UpdateLedger {
  constructor(
    private readonly redis: Redis,
    /** e.g. `omnidesk:telegram:<bot id>:update` */
    private readonly keyPrefix: string,
    /** Telegram keeps undelivered updates for 24 hours. */
    private readonly ttlSeconds = 24 * 3600,
    /** Redis queues commands while it is down: fail instead, so the update is retried later. */
    private readonly timeoutMs = 3000,
  ) {}

  async claim(updateId: number): Promise<boolean> {
    return (await this.bounded(this.redis.set(`${this.keyPrefix}:${updateId}`, '1', 'EX', this.ttlSeconds, 'NX'))) === 'OK';
  }

  async release(updateId: number): Promise<void> {
    await this.bounded(this.redis.del(`${this.keyPrefix}:${updateId}`));
  }

  private async bounded<T>(op: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([op, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
