/**
 * Automation's webhooks (CRM integrations): a rule's `webhook` action queues a signed POST on
 * BullMQ, so a receiver that is down gets it later (exponential backoff), not never.
 *
 * The body is JSON: { event, rule, ticket, at }; headers `X-Signature: sha256=<hex>` (HMAC-SHA256
 * of the body with AUTOMATION_WEBHOOK_SECRET, as the API channel signs) and `X-Delivery-Id` (the
 * same on every retry, so the receiver can drop duplicates). A 4xx answer other than 408/429 is
 * final: retrying an answer the receiver refuses would only repeat the refusal.
 */
import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from '../../logger.js';
import type { Redis } from '../../redis.js';
import { sign, SIGNATURE_HEADER } from '../../signature.js';

export const WEBHOOK_QUEUE = 'automation-webhooks';

export interface WebhookJob {
  url: string;
  /** The JSON body, fixed when the rule fired: retries send the same bytes. */
  body: string;
}

export interface WebhookOptions {
  prefix: string;
  /** Without a secret nothing is sent: an unsigned webhook could be forged by anyone. */
  secret: string | undefined;
  timeoutMs: number;
  attempts?: number;
  backoffMs?: number;
}

/** The producer: rules call `enqueue`. */
export class WebhookQueue {
  readonly queue: Queue<WebhookJob>;

  constructor(connection: Redis, private readonly options: WebhookOptions, private readonly log: Logger) {
    this.queue = new Queue<WebhookJob>(WEBHOOK_QUEUE, { connection, prefix: options.prefix });
  }

  /** Queues one signed POST; false (and a warning) when no secret is configured. */
  async enqueue(url: string, payload: Record<string, unknown>): Promise<boolean> {
    if (!this.options.secret) {
      this.log.warn({ url }, 'automation webhook not sent: AUTOMATION_WEBHOOK_SECRET is not set');
      return false;
    }
    const id = randomUUID();
    await this.queue.add('post', { url, body: JSON.stringify(payload) }, {
      jobId: id,
      attempts: this.options.attempts ?? 8,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 2000 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
    return true;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** The consumer: POSTs each queued webhook, retrying what may succeed later. */
export class WebhookWorker {
  readonly worker: Worker<WebhookJob>;

  constructor(connection: Redis, private readonly options: WebhookOptions, private readonly log: Logger) {
    this.worker = new Worker<WebhookJob>(WEBHOOK_QUEUE, (job) => this.post(job), { connection, prefix: options.prefix, concurrency: 4 });
    this.worker.on('failed', (job, err) => {
      if (job) log.warn({ url: job.data.url, attempt: job.attemptsMade, err: err.message }, 'automation webhook failed');
    });
    this.worker.on('error', (err) => log.warn({ err: err.message }, 'automation webhook worker error'));
  }

  private async post(job: Job<WebhookJob>): Promise<void> {
    const secret = this.options.secret;
    if (!secret) throw new UnrecoverableError('AUTOMATION_WEBHOOK_SECRET is not set');
    const res = await fetch(job.data.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(secret, job.data.body), 'x-delivery-id': job.id ?? '' },
      body: job.data.body,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    await res.body?.cancel();
    if (res.ok) return;
    const final = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    const message = `${job.data.url} answered ${res.status}`;
    if (final) throw new UnrecoverableError(message);
    throw new Error(message);
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
