/**
 * The producer side of timers: keeps each ticket's BullMQ delayed jobs equal to its plan
 * (./plan.ts). A job's id is `kind:ticketId:dueAtMs`, so scheduling the same plan twice (two
 * listeners, two instances, the rebuild) adds nothing, and a moved deadline is a new job. Jobs
 * the plan no longer has are removed: a ticket that was answered, resolved or closed keeps no
 * timers. PostgreSQL is the truth: `rebuild` plans every ticket that can still need a timer, so
 * after Redis lost everything (a restart without persistence, a FLUSHALL) every timer is back.
 */
import { Queue } from 'bullmq';
import type { Db } from '../../db/prisma.js';
import type { Logger } from '../../logger.js';
import type { Redis } from '../../redis.js';
import type { DeskSettings } from '../deskSettings.js';
import { loadTimerTicket } from './load.js';
import { withRedisLock } from './lock.js';
import { planTimers, STALE_NOTICE_MS, type PlanContext, type PlannedTimer, type TimerKind } from './plan.js';

export const TIMER_QUEUE = 'timers';

export interface TimerJob {
  ticketId: string;
  kind: TimerKind;
  /** The instant the timer is planned for (epoch ms), as in its job id. */
  dueAt: number;
}

export interface TimerQueueOptions {
  /** BullMQ's key prefix (REDIS_PREFIX:bull). */
  prefix: string;
  /** Our own keys (the per-ticket job index and locks) go under `${keyPrefix}:timers:`. */
  keyPrefix: string;
  /** Planning context beyond the desk settings (is the bot on; the silence rule). */
  context: () => PlanContext;
}

/** How long one ticket's planning may hold its lock. */
const LOCK_TTL_MS = 10_000;
/** Tickets planned at once by the rebuild, and read per batch. */
const REBUILD_CONCURRENCY = 4;
const REBUILD_BATCH = 200;
/** A failed firing (PostgreSQL away) is retried this often, backing off from a second. */
const ATTEMPTS = 6;

/** The job id of a ticket's timer: deterministic, so the same plan is the same jobs. */
export function timerJobId(ticketId: string, timer: PlannedTimer): string {
  return `${timer.kind}:${ticketId}:${timer.dueAt.getTime()}`;
}

export class TimerQueue {
  readonly queue: Queue<TimerJob>;
  private readonly slots = new Map<string, { again: boolean; verify: boolean; done: Promise<void> }>();
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly db: Db,
    private readonly settings: DeskSettings,
    private readonly log: Logger,
    private readonly options: TimerQueueOptions,
  ) {
    this.queue = new Queue<TimerJob>(TIMER_QUEUE, { connection: redis, prefix: options.prefix });
  }

  /**
   * Brings the ticket's jobs in line with its plan. Requests for a ticket whose planning is under
   * way are folded into one more run after it, which reads the newest state. With `settleMs` the
   * first run waits that long, and requests meanwhile join it: the events of one change come in
   * a burst (a new ticket is created, routed, assigned, auto-answered), and one plan serves them all.
   *
   * Planning adds only the jobs the ticket's index does not list yet: the plan of most events
   * (a customer's follow-up) is the one already queued, and then it costs a read and no writes.
   * `verify` adds every planned job again (BullMQ ignores an id it has): for the rebuild, which
   * must restore jobs Redis lost, and after a timer fired, when its own job has left the queue.
   */
  schedule(ticketId: string, opts: { settleMs?: number; verify?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const slot = this.slots.get(ticketId);
    if (slot) {
      slot.again = true;
      slot.verify ||= opts.verify ?? false;
      return slot.done;
    }
    const fresh = { again: false, verify: opts.verify ?? false, done: Promise.resolve() };
    fresh.done = (async () => {
      try {
        if (opts.settleMs) await new Promise((resolve) => setTimeout(resolve, opts.settleMs));
        if (this.closed) return;
        do {
          fresh.again = false;
          const verify = fresh.verify;
          fresh.verify = false;
          await withRedisLock(this.redis, this.key('lock', ticketId), LOCK_TTL_MS, () => this.apply(ticketId, verify));
        } while (fresh.again && !this.closed);
      } finally {
        this.slots.delete(ticketId);
      }
    })();
    this.slots.set(ticketId, fresh);
    return fresh.done;
  }

  /**
   * Plans every ticket that can still need a timer (not closed, or closed and due a CSAT
   * survey); returns how many were planned. Run at start and when the desk settings change.
   */
  async rebuild(): Promise<number> {
    const recent = new Date(Date.now() - STALE_NOTICE_MS - (this.settings.current.timers.csatAfter ?? 0));
    let after = 0;
    let total = 0;
    for (;;) {
      if (this.closed) break;
      const batch = await this.db.ticket.findMany({
        where: { number: { gt: after }, mergedIntoId: null, OR: [{ status: { not: 'closed' } }, { resolvedAt: { gt: recent } }] },
        orderBy: { number: 'asc' },
        take: REBUILD_BATCH,
        select: { id: true, number: true },
      });
      if (!batch.length) break;
      for (let i = 0; i < batch.length; i += REBUILD_CONCURRENCY) {
        await Promise.all(batch.slice(i, i + REBUILD_CONCURRENCY).map((t) => this.schedule(t.id, { verify: true })));
      }
      total += batch.length;
      after = batch[batch.length - 1]!.number;
      if (batch.length < REBUILD_BATCH) break;
    }
    return total;
  }

  /** Stops planning, waits for planning under way, and closes the queue (the connection is shared). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.slots.values()].map((s) => s.done));
    await this.queue.close();
  }

  /**
   * Drops a job from the ticket's index once BullMQ has given it up (its last attempt failed and it
   * left the queue), so the next planning adds it again if the ticket still needs it.
   */
  async forget(ticketId: string, jobId: string): Promise<void> {
    await this.redis.srem(this.key('ticket', ticketId), jobId);
  }

  /** Under the ticket's lock: the plan from PostgreSQL, then add what is missing and remove what is no longer planned. */
  private async apply(ticketId: string, verify: boolean): Promise<void> {
    const ticket = await loadTimerTicket(this.db, ticketId);
    const now = new Date();
    const plan = ticket ? planTimers(ticket, this.settings, now, this.options.context()) : [];
    const index = this.key('ticket', ticketId);
    const wanted = new Map(plan.map((timer) => [timerJobId(ticketId, timer), timer]));
    const known = new Set(await this.redis.smembers(index));
    const stale = [...known].filter((id) => !wanted.has(id));
    const adds = [...wanted].filter(([id]) => verify || !known.has(id));
    // A job being processed right now is not removed (remove answers 0): it finishes, and its mark decides.
    for (const id of stale) await this.queue.remove(id);
    if (adds.length) {
      await this.queue.addBulk(
        adds.map(([jobId, timer]) => ({
          name: timer.kind,
          data: { ticketId, kind: timer.kind, dueAt: timer.dueAt.getTime() },
          opts: {
            jobId,
            delay: Math.max(0, timer.dueAt.getTime() - now.getTime()),
            attempts: ATTEMPTS,
            backoff: { type: 'exponential', delay: 1000 },
            // The outcome lives in PostgreSQL (the marks); a finished job must not block a later re-add.
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      );
      await this.redis.sadd(index, ...adds.map(([jobId]) => jobId));
    }
    if (stale.length) await this.redis.srem(index, ...stale);
    if (stale.length || adds.length) this.log.debug({ ticket: ticket?.number, planned: [...wanted.keys()], removed: stale }, 'timers planned');
  }

  private key(kind: 'lock' | 'ticket', ticketId: string): string {
    return `${this.options.keyPrefix}:timers:${kind}:${ticketId}`;
  }
}
