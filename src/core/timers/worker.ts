/**
 * The consumer side of timers: a BullMQ worker per instance that runs a firing timer's action
 * (./actions.ts) and then plans the ticket again, so the next timer (the resolution breach after
 * the first-response one, the CSAT survey after an auto-resolve) is queued at once.
 *
 * - A timer the ticket no longer needs, or that has acted, completes doing nothing.
 * - A timer that fires early (another instance's clock) waits in the queue until its instant.
 * - A failure (PostgreSQL away) is retried with backoff; the marks make a retry act at most once.
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Logger } from '../../logger.js';
import type { Redis } from '../../redis.js';
import type { TimerActions } from './actions.js';
import { TIMER_QUEUE, type TimerJob, type TimerQueue } from './queue.js';

export interface TimerWorkerOptions {
  /** BullMQ's key prefix (REDIS_PREFIX:bull). */
  prefix: string;
  /** Timers one instance runs at once. */
  concurrency: number;
}

export class TimerWorker {
  readonly worker: Worker<TimerJob>;

  constructor(
    connection: Redis,
    private readonly actions: TimerActions,
    private readonly producer: TimerQueue,
    private readonly log: Logger,
    options: TimerWorkerOptions,
  ) {
    this.worker = new Worker<TimerJob>(TIMER_QUEUE, (job, token) => this.process(job, token), {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      // Started by `start`, once the rest of the gateway is up.
      autorun: false,
    });
    this.worker.on('error', (err) => this.log.error({ err }, 'timer worker error'));
    this.worker.on('failed', (job, err) => {
      this.log.warn({ err: err.message, job: job?.id, attempts: job?.attemptsMade }, 'timer failed');
      // Given up: the job has left the queue, so the next planning must add it again.
      if (job?.id && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        producer.forget(job.data.ticketId, job.id).catch((e: unknown) => this.log.warn({ err: e, job: job.id }, 'forgetting a failed timer failed'));
      }
    });
  }

  /** Starts taking jobs (in the background: BullMQ's run loop ends when the worker closes). */
  start(): void {
    void this.worker.run().catch((err: unknown) => this.log.error({ err }, 'timer worker stopped'));
  }

  private async process(job: Job<TimerJob>, token?: string): Promise<void> {
    const { ticketId, kind, dueAt } = job.data;
    const outcome = await this.actions.fire(kind, ticketId, dueAt);
    if (outcome.kind === 'early') {
      await job.moveToDelayed(outcome.dueAt.getTime(), token);
      throw new DelayedError();
    }
    if (outcome.kind === 'acted') this.log.info({ ticketId, timer: kind, dueAt: new Date(dueAt).toISOString() }, 'timer acted');
    // Whatever happened, the ticket's next timers follow from its state now. This job leaves the
    // queue as it completes, so the plan is checked whole, not against the ticket's index.
    await this.producer.schedule(ticketId, { verify: true });
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
