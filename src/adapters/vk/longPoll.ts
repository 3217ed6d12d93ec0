/**
 * Bots Long Poll: the adapter asks VK for events instead of VK posting them (no public URL
 * needed). `groups.getLongPollServer` gives a server, a key and a cursor (`ts`); each request
 * waits up to `waitSeconds` for events after the cursor.
 *
 * - The cursor only moves on once every event of a batch was handled: if the core could not
 *   take one (the database is down), the same batch is fetched again after a pause, and events
 *   already handled are skipped (event_id, message keys). A batch that keeps failing is given up
 *   after `maxBatchAttempts`, logged, so one poisoned event cannot stop the channel.
 * - VK's `failed` answers: 1, the cursor is too old (take the new one); 2, the key expired (get a
 *   new key, keep our cursor); 3, everything expired (start over).
 * - Errors (VK or the network away, the token rejected) never stop the loop: it waits longer
 *   after each failure in a row, up to `maxBackoffMs`, and reports them in the channel's status.
 */
import type { Logger } from '../../logger.js';
import type { StatusTracker } from '../adapter.js';
import type { VkApi } from './api.js';
import { backoffMs, sleep } from './backoff.js';
import { describeGroup, fetchGroup, type VkGroup } from './group.js';
import type { VkUpdateHandler } from './updates.js';

export interface LongPollOptions {
  groupId?: number;
  waitSeconds: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  maxBatchAttempts: number;
}

interface Session {
  server: string;
  key: string;
  ts: string;
}

interface PollAnswer {
  ts?: string | number;
  updates?: unknown[];
  failed?: number;
}

export class VkLongPoll {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private group: VkGroup | undefined;
  private detail = 'long polling';

  constructor(
    private readonly api: VkApi,
    private readonly handler: VkUpdateHandler,
    private readonly status: StatusTracker,
    private readonly log: Logger,
    private readonly options: LongPollOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    let session: Session | undefined;
    let failures = 0;
    let batchAttempts = 0;
    while (!this.stopped) {
      try {
        session ??= await this.openSession(undefined);
        const answer = await this.poll(session);
        if (answer.failed !== undefined) {
          if (answer.failed === 1 && answer.ts !== undefined) session.ts = String(answer.ts);
          else session = answer.failed === 2 ? await this.openSession(session.ts) : undefined;
          continue;
        }
        failures = 0;
        this.status.set('connected', { detail: this.detail });
        const failed = await this.handleBatch(answer.updates ?? []);
        if (failed && ++batchAttempts < this.options.maxBatchAttempts) {
          // The core could not take an event: fetch the same batch again after a pause.
          await sleep(backoffMs(batchAttempts, this.options.minBackoffMs, this.options.maxBackoffMs), this.stopping.signal);
          continue;
        }
        if (failed) this.log.error({ attempts: batchAttempts, err: failed }, 'VK long poll: giving up on a batch of events the core keeps refusing');
        batchAttempts = 0;
        if (answer.ts !== undefined) session.ts = String(answer.ts);
      } catch (err) {
        if (this.stopped) break;
        failures += 1;
        const message = (err as Error).message;
        this.status.set(failures >= 3 ? 'error' : 'disconnected', { lastError: message });
        this.log.warn({ failures, err: message }, 'VK long poll failed: retrying');
        await sleep(backoffMs(failures, this.options.minBackoffMs, this.options.maxBackoffMs), this.stopping.signal);
      }
    }
  }

  /** A new key (and server); keeps `ts` when given. */
  private async openSession(ts: string | undefined): Promise<Session> {
    if (!this.group) {
      this.group = await fetchGroup(this.api, this.options.groupId);
      this.detail = `long polling, ${describeGroup(this.group)}`;
    }
    const s = await this.api.call<{ server: string; key: string; ts: string | number }>('groups.getLongPollServer', { group_id: this.group.id });
    return { server: s.server, key: s.key, ts: ts ?? String(s.ts) };
  }

  private async poll(session: Session): Promise<PollAnswer> {
    const url = new URL(session.server);
    url.search = new URLSearchParams({ act: 'a_check', key: session.key, ts: session.ts, wait: String(this.options.waitSeconds) }).toString();
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout((this.options.waitSeconds + 10) * 1000)]);
    const res = await fetch(url, { signal });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`VK long poll server answered ${res.status}`);
    }
    return (await res.json()) as PollAnswer;
  }

  /** Handles the events in order; returns the first error (and stops there), if any. */
  private async handleBatch(updates: unknown[]): Promise<Error | undefined> {
    for (const update of updates) {
      if (this.stopped) return new Error('stopping');
      try {
        await this.handler.handle(update);
      } catch (err) {
        this.log.error({ err, type: (update as { type?: unknown })?.type }, 'VK event could not be handled: fetching it again');
        return err as Error;
      }
    }
    return undefined;
  }
}
