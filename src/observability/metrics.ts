/**
 * Prometheus metrics, served at `GET /metrics`. Counters are listeners on the core's domain
 * events (the core never imports this), queue depths are read from BullMQ when Prometheus
 * scrapes, job durations come from the BullMQ workers' own events, and HTTP latency from the
 * request middleware (./requestContext.ts).
 *
 * Each gateway has a registry of its own: tests run several gateways in one process, and
 * prom-client's global registry would count them together (or refuse the second one).
 */
import type { Job, Queue, Worker } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../logger.js';

/** The BullMQ job states a queue's depth is reported in. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/** Buckets (seconds) of HTTP requests and jobs: from a cached read to a slow platform's timeout. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface MeteredQueue {
  /** The queue's name in the `queue` label: delivery, timers, webhooks. */
  name: string;
  queue: Pick<Queue, 'getJobCounts'>;
  /** The instance's worker of this queue, whose jobs are timed. */
  worker?: Pick<Worker, 'on' | 'off'>;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly inbound: Counter<'channel'>;
  readonly ticketsCreated: Counter<'channel'>;
  readonly handoffs: Counter<'channel'>;
  readonly outbound: Counter<'channel' | 'author'>;
  readonly deliveries: Counter<'channel'>;
  readonly deliveryFailures: Counter<'channel'>;
  readonly jobDuration: Histogram<'queue' | 'outcome'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly detach: Array<() => void> = [];

  constructor(events: EventBus, queues: MeteredQueue[], log: Logger) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.inbound = new Counter({ name: 'omnidesk_inbound_messages_total', help: 'Customer messages stored, by channel (duplicates are not counted)', labelNames: ['channel'], registers });
    this.ticketsCreated = new Counter({ name: 'omnidesk_tickets_created_total', help: 'Tickets opened, by channel', labelNames: ['channel'], registers });
    this.handoffs = new Counter({ name: 'omnidesk_handoffs_total', help: 'Tickets the bot handed to a person, by channel', labelNames: ['channel'], registers });
    this.outbound = new Counter({ name: 'omnidesk_outbound_messages_total', help: 'Replies queued for delivery, by channel and author kind (agent, bot, system)', labelNames: ['channel', 'author'], registers });
    this.deliveries = new Counter({ name: 'omnidesk_deliveries_total', help: 'Replies delivered to the customer, by channel', labelNames: ['channel'], registers });
    this.deliveryFailures = new Counter({ name: 'omnidesk_delivery_failures_total', help: 'Replies that failed for good (attempts spent or a permanent error), by channel', labelNames: ['channel'], registers });
    this.jobDuration = new Histogram({
      name: 'omnidesk_job_duration_seconds',
      help: 'How long one run of a BullMQ job took on this instance, by queue and outcome (completed, failed: to be retried or given up)',
      labelNames: ['queue', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'omnidesk_http_request_duration_seconds',
      help: 'HTTP requests, by method, route pattern (not the raw URL) and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'omnidesk_queue_jobs',
      help: 'Jobs in each BullMQ queue by state, read when scraped (shared by every instance on this Redis)',
      labelNames: ['queue', 'state'],
      registers,
      // Read at scrape time; a Redis that is down leaves the gauge empty rather than failing the scrape.
      async collect() {
        this.reset();
        await Promise.all(
          queues.map(async ({ name, queue }) => {
            try {
              const counts = await queue.getJobCounts(...QUEUE_STATES);
              for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
            } catch (err) {
              log.warn({ err: (err as Error).message, queue: name }, 'metrics: could not read the queue depth');
            }
          }),
        );
      },
    });

    this.detach.push(
      events.on('message.received', (e) => this.inbound.inc({ channel: e.channel })),
      events.on('ticket.created', (e) => this.ticketsCreated.inc({ channel: e.channel })),
      events.on('ticket.handoff', (e) => this.handoffs.inc({ channel: e.channel })),
      events.on('message.created', (e) => {
        if (!e.internal) this.outbound.inc({ channel: e.channel, author: e.authorKind });
      }),
      events.on('message.delivered', (e) => this.deliveries.inc({ channel: e.channel })),
      events.on('message.failed', (e) => this.deliveryFailures.inc({ channel: e.channel })),
    );
    for (const { name, worker } of queues) if (worker) this.detach.push(this.timeJobs(name, worker));
  }

  /** Times each run of the worker's jobs from BullMQ's own timestamps (started, finished). */
  private timeJobs(queue: string, worker: Pick<Worker, 'on' | 'off'>): () => void {
    const observe = (outcome: 'completed' | 'failed') => (job: Job | undefined) => {
      if (job?.processedOn && job.finishedOn && job.finishedOn >= job.processedOn) {
        this.jobDuration.observe({ queue, outcome }, (job.finishedOn - job.processedOn) / 1000);
      }
    };
    const completed = observe('completed');
    const failed = observe('failed');
    worker.on('completed', completed);
    worker.on('failed', failed);
    return () => {
      worker.off('completed', completed);
      worker.off('failed', failed);
    };
  }

  /** The text exposition Prometheus scrapes. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Stops listening to the events and workers. */
  close(): void {
    for (const off of this.detach.splice(0)) off();
  }
}
