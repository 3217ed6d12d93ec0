/**
 * The producer side of outbound delivery. A message is committed to PostgreSQL first (state
 * `queued`); only then is a job added. The job id is the message id, so adding it twice (the
 * sweep, a second instance) is a no-op while the job exists.
 */
import { Queue } from 'bullmq';
import { logContext } from '../../observability/logContext.js';
import type { Redis } from '../../redis.js';

export const DELIVERY_QUEUE = 'delivery';

export interface DeliveryJob {
  messageId: string;
  /** How often the platform's rate limit made this message wait (those waits spend no attempt). */
  rateLimitWaits?: number;
  /** The id of the request (or inbound message) that caused the reply: the worker's log lines carry it. */
  reqId?: string;
  /** An agent's edit of the (already sent) message to deliver, not the message itself (./edits.ts). */
  editId?: string;
}

/** The job id of an edit's delivery (BullMQ ids may not contain ':'). */
export function editJobId(editId: string): string {
  return `edit-${editId}`;
}

export interface DeliveryQueueOptions {
  prefix: string;
  maxAttempts: number;
}

export class DeliveryQueue {
  readonly queue: Queue<DeliveryJob>;

  constructor(connection: Redis, private readonly options: DeliveryQueueOptions) {
    this.queue = new Queue<DeliveryJob>(DELIVERY_QUEUE, { connection, prefix: options.prefix });
  }

  /** Queues delivery of committed messages; safe to call again for the same ids. */
  async enqueue(messageIds: string[]): Promise<void> {
    if (!messageIds.length) return;
    const { reqId } = logContext();
    await this.queue.addBulk(
      messageIds.map((messageId) => ({
        name: 'deliver',
        data: { messageId, ...(reqId ? { reqId } : {}) },
        opts: {
          jobId: messageId,
          attempts: this.options.maxAttempts,
          backoff: { type: 'platform' },
          removeOnComplete: true,
          // The outcome lives in PostgreSQL; a finished job must not block a later re-queue.
          removeOnFail: true,
        },
      })),
    );
  }

  /** Queues delivery of committed edits (MessageEdit rows `queued`); safe to call again for the same ids. */
  async enqueueEdits(edits: Array<{ editId: string; messageId: string }>): Promise<void> {
    if (!edits.length) return;
    const { reqId } = logContext();
    await this.queue.addBulk(
      edits.map(({ editId, messageId }) => ({
        name: 'edit',
        data: { messageId, editId, ...(reqId ? { reqId } : {}) },
        opts: { jobId: editJobId(editId), attempts: this.options.maxAttempts, backoff: { type: 'platform' }, removeOnComplete: true, removeOnFail: true },
      })),
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
