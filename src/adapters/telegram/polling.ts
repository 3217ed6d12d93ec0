/**
 * Long polling, the default (development, or a host Telegram cannot reach). A loop of
 * `getUpdates` that survives everything: a platform outage, a wrong token, a failing handler.
 * It reports how it is doing through the adapter's status, and backs off while things fail.
 *
 * An update whose handling failed for a passing reason (the database is down) is not confirmed:
 * the batch is fetched again from it after a pause, so the customer's message is not lost.
 */
import type { Api } from 'grammy';
import { GrammyError } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../../logger.js';
import type { StatusTracker } from '../adapter.js';
import type { RedisLease } from '../lease.js';
import { describe, retryAfterOf } from './errors.js';
import { apiSignal, timeoutSignal } from './signal.js';

export type UpdateOutcome = 'done' | 'retry';

export interface PollerOptions {
  /** Seconds Telegram holds a `getUpdates` call open when there is nothing new. */
  timeoutSeconds: number;
  allowedUpdates: readonly string[];
  /** Backoff bounds after a failure. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A update failing this many times in a row is skipped (logged), so it cannot block the chat forever. */
  maxUpdateAttempts?: number;
}

export class Poller {
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  /** The next update wanted: every update before it is handled. */
  private offset: number | undefined;

  constructor(
    private readonly api: Api,
    private readonly handle: (update: Update) => Promise<UpdateOutcome>,
    private readonly status: StatusTracker,
    private readonly log: Logger,
    private readonly options: PollerOptions,
    private readonly detail: string,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /**
   * Stops polling, then confirms the updates handled so far (a last `getUpdates` with the next
   * offset), so the next start does not get them again and repeat, say, a /start greeting.
   * `confirm: false` skips that (the shared update ledger still keeps a redelivery from repeating).
   */
  async stop({ confirm = true }: { confirm?: boolean } = {}): Promise<void> {
    this.abort.abort();
    await this.running;
    // Not after losing the poller lease: the new holder polls now, and a call of ours would cut its poll short (409).
    if (this.offset === undefined || !confirm) return;
    await this.api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 }, timeoutSignal(2000)).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const minBackoff = this.options.minBackoffMs ?? 500;
    const maxBackoff = this.options.maxBackoffMs ?? 30_000;
    const maxAttempts = this.options.maxUpdateAttempts ?? 20;
    let failures = 0;
    let webhookCleared = false;
    let stuck = { updateId: -1, attempts: 0 };
    while (!signal.aborted) {
      let pause = 0;
      try {
        // A webhook left set (from webhook mode) makes getUpdates fail with 409: clear it once.
        if (!webhookCleared) {
          await this.api.deleteWebhook({ drop_pending_updates: false }, apiSignal(signal));
          webhookCleared = true;
        }
        // Right after starting or a failure, a short poll: it answers at once, so the status is true at once.
        const connected = failures === 0 && this.status.get().state === 'connected';
        const timeout = connected ? this.options.timeoutSeconds : 0;
        const updates = await this.api.getUpdates(
          { ...(this.offset !== undefined ? { offset: this.offset } : {}), timeout, allowed_updates: [...this.options.allowedUpdates] as never },
          apiSignal(AbortSignal.any([signal, AbortSignal.timeout((timeout + 15) * 1000)])),
        );
        if (!connected) {
          this.status.set('connected', { detail: this.detail });
          if (failures > 0) this.log.info({ channel: 'telegram' }, 'telegram long polling reconnected');
        }
        failures = 0;
        for (const update of updates) {
          if (signal.aborted) break;
          const outcome = await this.handle(update);
          if (outcome === 'retry') {
            stuck = stuck.updateId === update.update_id ? { updateId: update.update_id, attempts: stuck.attempts + 1 } : { updateId: update.update_id, attempts: 1 };
            if (stuck.attempts < maxAttempts) {
              // Not confirmed: the next getUpdates starts from this update again.
              pause = Math.min(maxBackoff, minBackoff * 2 ** (stuck.attempts - 1));
              break;
            }
            this.log.error({ channel: 'telegram', updateId: update.update_id, attempts: stuck.attempts }, 'telegram update skipped after repeated failures');
          }
          // Never backwards: a redelivered old update must not unconfirm the ones after it.
          this.offset = Math.max(this.offset ?? 0, update.update_id + 1);
        }
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        const lastError = describe(err);
        // A wrong token or a competing poller is an error to fix; anything else is the platform being away.
        const state = err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404 || err.error_code === 409) ? 'error' : 'disconnected';
        this.status.set(state, { detail: this.detail, lastError });
        pause = retryAfterOf(err) ?? Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures - 1, 16));
        if (failures === 1 || failures % 10 === 0) this.log.warn({ channel: 'telegram', failures, err: lastError, retryInMs: pause }, 'telegram getUpdates failed');
      }
      if (pause > 0) await sleep(pause, signal);
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Long polling on the one instance that holds `lease` (Telegram serves one poller per bot):
 * the holder polls with a poller from `newPoller`, the others report `standby` (connected: they
 * still send). Used by the customer bot and by the agent desk's own bot.
 */
export class LeasedPolling {
  private poller: Poller | null = null;

  constructor(
    private readonly lease: RedisLease,
    private readonly tracker: StatusTracker,
    private readonly newPoller: () => Poller,
    /** The status detail while another instance polls. */
    private readonly standbyDetail: string,
  ) {}

  /** Starts trying for the lease; `onAcquired` runs before polling starts (e.g. to say `connecting`). */
  start(signal: AbortSignal, onAcquired?: () => void): void {
    this.lease.start({
      onAcquired: () => {
        if (signal.aborted) return;
        onAcquired?.();
        this.poller = this.newPoller();
        this.poller.start();
      },
      onLost: async (reason) => {
        const poller = this.poller;
        this.poller = null;
        await poller?.stop({ confirm: reason === 'stopping' });
        if (reason === 'lost') this.tracker.set('connected', { detail: this.standbyDetail });
      },
      onStandby: () => {
        const now = this.tracker.get();
        if (now.detail !== this.standbyDetail || now.state !== 'connected') this.tracker.set('connected', { detail: this.standbyDetail });
      },
    });
  }

  /** Releases the lease, stopping the poller if this instance held it. */
  async stop(): Promise<void> {
    await this.lease.stop();
    await this.poller?.stop();
  }
}
