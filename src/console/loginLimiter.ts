/**
 * Failed sign-ins counted in Redis, per email and per client IP, over a fixed window, so every
 * instance shares the count. Past the limit, sign-in answers 429 with Retry-After until the
 * window ends, even with the right password: guessing gets no feedback.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export const LOGIN_WINDOW_MS = 15 * 60_000;
/** One IP may fail for this many emails' worth of attempts (an office behind one NAT). */
const IP_FACTOR = 4;

export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxPerEmail: number,
  ) {}

  private keys(email: string, ip: string): [string, number][] {
    const emailKey = createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 32);
    return [
      [`${this.prefix}:login:email:${emailKey}`, this.maxPerEmail],
      [`${this.prefix}:login:ip:${ip}`, this.maxPerEmail * IP_FACTOR],
    ];
  }

  /** Seconds to wait before trying again, or 0 if a try is allowed now. */
  async retryAfter(email: string, ip: string): Promise<number> {
    let wait = 0;
    for (const [key, max] of this.keys(email, ip)) {
      const count = Number((await this.redis.get(key)) ?? 0);
      if (count >= max) wait = Math.max(wait, Math.ceil(Math.max(await this.redis.pttl(key), 1000) / 1000));
    }
    return wait;
  }

  async failed(email: string, ip: string): Promise<void> {
    const multi = this.redis.multi();
    for (const [key] of this.keys(email, ip)) multi.set(key, 0, 'PX', LOGIN_WINDOW_MS, 'NX').incr(key);
    await multi.exec();
  }

  /** A successful sign-in clears its email's count (not the IP's). */
  async succeeded(email: string, ip: string): Promise<void> {
    await this.redis.del(this.keys(email, ip)[0]![0]);
  }
}
