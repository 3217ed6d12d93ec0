/**
 * Timers (BullMQ): SLA warnings and breaches, pending/snooze wake-ups, "we are busy" notices,
 * auto-resolve, CSAT requests and reassign-on-silence, all planned from PostgreSQL.
 *
 *   domain events ──▶ listeners ──▶ TimerQueue.schedule(ticket) ──▶ delayed jobs kind:ticket:dueAt
 *                                          ▲ plan (./plan.ts)                 │
 *                 start: rebuild ──────────┘                                  ▼
 *                                          TimerWorker ──▶ TimerActions (row lock, re-plan, act once)
 *
 * This file only assembles the parts for app.ts.
 */
import type { Db } from '../../db/prisma.js';
import type { Logger } from '../../logger.js';
import type { Redis } from '../../redis.js';
import type { DeskSettings } from '../deskSettings.js';
import type { EventBus } from '../events.js';
import type { Outbox } from '../outbox.js';
import type { TicketService } from '../tickets.js';
import { TimerActions, type TimerActionDeps } from './actions.js';
import { attachTimerListeners } from './listeners.js';
import type { PlanContext } from './plan.js';
import { TimerQueue } from './queue.js';
import { TimerWorker } from './worker.js';

export { TimerQueue, timerJobId, TIMER_QUEUE } from './queue.js';
export { planTimers, type PlannedTimer, type TimerKind, type TimerTicket } from './plan.js';

export interface TimersDeps {
  db: Db;
  tickets: TicketService;
  outbox: Outbox;
  events: EventBus;
  settings: DeskSettings;
  /** For the queue (commands) and the worker (BullMQ duplicates it for its blocking reads). */
  redis: { queue: Redis; worker: Redis };
  /** BullMQ's key prefix (REDIS_PREFIX:bull), and the prefix of our own keys (REDIS_PREFIX). */
  bullPrefix: string;
  keyPrefix: string;
  /** True while the KB bot takes new tickets (then a ticket reaches people at its handoff). */
  botHandles: () => boolean;
  /** Reassign on silence, from the assignment part; without both no silence timer runs. */
  silence?: { dueAt: NonNullable<PlanContext['silenceDueAt']>; reassign: NonNullable<TimerActionDeps['reassignIfSilent']> };
  /** Runs a `pending` automation rule (src/core/automation); without it those rules never fire. */
  runPendingRule?: TimerActionDeps['runPendingRule'];
  log: Logger;
  concurrency?: number;
}

export type Timers = ReturnType<typeof createTimers>;

export function createTimers(deps: TimersDeps) {
  const context = (): PlanContext => ({ botHandles: deps.botHandles(), silenceDueAt: deps.silence?.dueAt });
  const producer = new TimerQueue(deps.redis.queue, deps.db, deps.settings, deps.log, { prefix: deps.bullPrefix, keyPrefix: deps.keyPrefix, context });
  // Without a listener BullMQ prints every error with console.error, past the logger and LOG_LEVEL.
  producer.queue.on('error', (err) => deps.log.warn({ err: err.message }, 'timer queue error'));
  const actions = new TimerActions({ ...deps, context, reassignIfSilent: deps.silence?.reassign, runPendingRule: deps.runPendingRule });
  const worker = new TimerWorker(deps.redis.worker, actions, producer, deps.log, { prefix: deps.bullPrefix, concurrency: deps.concurrency ?? 4 });
  let detach: (() => void) | null = null;
  let rebuilt: Promise<number> = Promise.resolve(0);
  return {
    producer,
    worker,
    actions,
    /** The rebuild started by `start` (tests wait for it). */
    get rebuilt(): Promise<number> {
      return rebuilt;
    },
    /** Listens, starts the worker, and plans every ticket from PostgreSQL in the background. */
    start(): void {
      detach ??= attachTimerListeners(deps.events, deps.settings, producer, deps.log);
      worker.start();
      rebuilt = producer.rebuild().then(
        (count) => {
          deps.log.info({ tickets: count }, 'timers planned from PostgreSQL');
          return count;
        },
        (err: unknown) => {
          deps.log.error({ err }, 'planning timers at start failed');
          return 0;
        },
      );
    },
    /** Stops listening; lets running timers finish (their messages still go to the delivery queue); closes. */
    async stop(): Promise<void> {
      detach?.();
      detach = null;
      await worker.close();
      await producer.close();
    },
  };
}
