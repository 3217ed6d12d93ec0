/**
 * A lease in Redis that lets one instance of many run something that must run once: Telegram's
 * long polling (a second poller gets 409), VK's Bots Long Poll, the WhatsApp Web session (a
 * second browser on the same account). Webhook modes need none: every instance takes webhooks.
 *
 * - Taken with `SET key token NX PX ttl`; the holder renews it every ttl/3 with a Lua script that
 *   extends it only while the key still holds our token (compare-and-extend), and deletes it on
 *   stop the same way (compare-and-delete), so the next instance takes over at once.
 * - Lost (another instance holds it, or we could not renew it before it would have run out, e.g.
 *   Redis was away): `onLost` stops the work at once; the keeper goes back to trying.
 * - A holder that dies stops renewing: another instance takes over within about `ttlMs`.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';

const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Default time a lease lives without renewal: how long a dead holder blocks the others. */
export const DEFAULT_LEASE_TTL_MS = 15_000;

export interface LeaseHooks {
  /** The lease is ours: start the work. */
  onAcquired(): Promise<void> | void;
  /** The lease is lost, or the keeper stops: stop the work (the lease is released after it resolves on stop). */
  onLost(reason: 'lost' | 'stopping'): Promise<void> | void;
  /** Another instance holds the lease (called on each failed try while it does). */
  onStandby?(): void;
}

export interface LeaseOptions {
  ttlMs?: number;
  /** Renew (and, in standby, retry) every this many ms; default ttl/3. */
  intervalMs?: number;
}

export class RedisLease {
  readonly token = randomBytes(12).toString('hex');
  readonly ttlMs: number;
  private readonly intervalMs: number;
  private held = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  /** The local time by which the lease runs out unless renewed. */
  private expiresAt = 0;
  private tick: Promise<void> = Promise.resolve();
  private hooks: LeaseHooks | undefined;

  constructor(
    private readonly redis: Redis,
    /** The full key, e.g. `omnidesk:lease:telegram`. */
    readonly key: string,
    private readonly log: Logger,
    options: LeaseOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.intervalMs = options.intervalMs ?? Math.max(50, Math.floor(this.ttlMs / 3));
  }

  /** True while this instance holds the lease. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Starts trying to take the lease, then keeps it; returns at once. */
  start(hooks: LeaseHooks): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.hooks = hooks;
    this.schedule(0);
  }

  /** Stops the work (if it runs here), then releases the lease for the next instance. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick;
    if (!this.held) return;
    this.held = false;
    await this.call('onLost', 'stopping');
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch((err: unknown) => this.log.warn({ key: this.key, err: message(err) }, 'lease not released: it runs out by itself'));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick = this.step().finally(() => this.schedule(this.intervalMs));
    }, ms);
    this.timer.unref();
  }

  private async step(): Promise<void> {
    if (this.stopped) return;
    const startedAt = Date.now();
    try {
      if (this.held) {
        const extended = Number(await this.redis.eval(EXTEND, 1, this.key, this.token, this.ttlMs));
        if (this.stopped) return;
        if (extended === 1) {
          this.expiresAt = startedAt + this.ttlMs;
          return;
        }
        this.log.warn({ key: this.key }, 'lease lost to another instance: stopping here');
        await this.lose();
        return;
      }
      const taken = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
      if (this.stopped) {
        if (taken) await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
        return;
      }
      if (taken) {
        this.held = true;
        this.expiresAt = startedAt + this.ttlMs;
        this.log.info({ key: this.key }, 'lease taken: running here');
        await this.call('onAcquired');
      } else {
        await this.call('onStandby');
      }
    } catch (err) {
      if (this.stopped) return;
      // Redis away: keep the work only while the lease surely has not run out (with a margin).
      if (this.held && Date.now() + this.intervalMs >= this.expiresAt) {
        this.log.warn({ key: this.key, err: message(err) }, 'lease could not be renewed: stopping here');
        await this.lose();
      } else {
        this.log.debug({ key: this.key, err: message(err) }, 'lease check failed');
      }
    }
  }

  private async lose(): Promise<void> {
    this.held = false;
    await this.call('onLost', 'lost');
  }

  /** Runs a hook; its failure is logged, never thrown into the keeper's loop. */
  private async call(hook: 'onAcquired' | 'onStandby' | 'onLost', reason?: 'lost' | 'stopping'): Promise<void> {
    try {
      if (hook === 'onLost') await this.hooks?.onLost(reason ?? 'lost');
      else if (hook === 'onAcquired') await this.hooks?.onAcquired();
      else this.hooks?.onStandby?.();
    } catch (err) {
      this.log.error({ key: this.key, hook, err: message(err) }, 'lease hook failed');
    }
  }
}

/** The status detail of an instance that leaves polling to another. */
export const STANDBY_DETAIL = 'standby (another instance polls)';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
