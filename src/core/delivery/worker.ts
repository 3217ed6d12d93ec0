/**
 * The consumer side of outbound delivery: loads a committed message, hands it to its
 * channel's sender, and records the outcome in PostgreSQL.
 *
 * - Idempotent: a message that is no longer `queued` is skipped.
 * - In order: a message waits while an earlier one of its conversation is still queued.
 * - Within the platform's limits (the sender's `rateLimits`, for all instances together): a
 *   message that must wait goes back to the queue, delayed, instead of holding a worker slot.
 * - Retries with exponential backoff (honouring a platform's retry-after) and, once the
 *   attempts are spent or the error is permanent, ends the message as `failed` with its error.
 * - A platform's rate-limit answer (RateLimitedError) only makes the message wait as long as the
 *   platform asked: it spends no attempt, up to `maxRateLimitWaits` such waits per message.
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Db } from '../../db/prisma.js';
import type { Logger } from '../../logger.js';
import { withLogContext } from '../../observability/logContext.js';
import type { Redis } from '../../redis.js';
import type { ChannelRegistry } from '../channels.js';
import type { EventBus } from '../events.js';
import type { Attachment, Button, ChannelSender, OutboundMessage } from '../model.js';
import { PermanentDeliveryError, RateLimitedError, RetryableDeliveryError } from './errors.js';
import { EditDelivery, queueEditMadeDuringSend } from './edits.js';
import { DELIVERY_QUEUE, type DeliveryJob } from './queue.js';
import type { SendRateLimiter } from './rateLimit.js';

export interface DeliveryWorkerOptions {
  prefix: string;
  concurrency: number;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** Keeps senders' rate limits across every instance (Redis). */
  rateLimiter: SendRateLimiter;
  /**
   * How many times one message may wait for a platform's rate limit without spending an attempt;
   * past it, a rate-limit answer counts as a failed attempt (a platform that never lets up).
   */
  maxRateLimitWaits?: number;
  /**
   * Told, after the commit, when a sent message's stored text differed from what was sent (an
   * agent's edit landed while it was being sent): the edit, marked `queued` in the transaction
   * that marked the message sent, is to be queued (src/core/agentEdits.ts). If this fails, the sweep queues it.
   */
  afterEditedSend?: (messageId: string) => Promise<void>;
}

/** Default cap on a message's free waits for rate limits (Telegram's retry_after is seconds to a minute). */
export const MAX_RATE_LIMIT_WAITS = 100;

/** How long a message waits for an earlier one of its conversation before looking again. */
const ORDER_WAIT_MS = 250;

export class DeliveryWorker {
  readonly worker: Worker<DeliveryJob>;
  /** Agents' edits of sent replies ride on the same queue, as `edit` jobs (./edits.ts). */
  private readonly edits: EditDelivery;

  constructor(
    connection: Redis,
    private readonly db: Db,
    private readonly channels: ChannelRegistry,
    private readonly events: EventBus,
    private readonly log: Logger,
    private readonly options: DeliveryWorkerOptions,
  ) {
    // Each job runs in the log context of what caused it: its lines carry the request id and the message id.
    const run = (job: Job<DeliveryJob>, token?: string) => withLogContext({ reqId: job.data.reqId, messageId: job.data.messageId }, () => this.process(job, token));
    this.worker = new Worker<DeliveryJob>(DELIVERY_QUEUE, run, {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      settings: { backoffStrategy: (attemptsMade, _type, err) => this.backoff(attemptsMade, err) },
    });
    this.worker.on('error', (err) => this.log.error({ err }, 'delivery worker error'));
    this.edits = new EditDelivery(db, channels, events, log, {
      maxAttempts: options.maxAttempts,
      maxRateLimitWaits: options.maxRateLimitWaits ?? MAX_RATE_LIMIT_WAITS,
      rateLimiter: options.rateLimiter,
    });
  }

  /** Exponential backoff with jitter, or exactly what the platform asked for. */
  backoff(attemptsMade: number, err?: Error): number {
    if (err instanceof RetryableDeliveryError && err.retryAfterMs !== undefined) return err.retryAfterMs;
    const exp = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** Math.max(0, attemptsMade - 1));
    return Math.round(exp * (0.8 + Math.random() * 0.4));
  }

  private async process(job: Job<DeliveryJob>, token?: string): Promise<void> {
    if (job.data.editId) return this.edits.process(job, token, job.data.editId);
    const message = await this.db.message.findUnique({
      where: { id: job.data.messageId },
      include: { conversation: { select: { externalChatId: true } }, ticket: { select: { number: true } } },
    });
    if (!message || message.deliveryState !== 'queued') return;

    const earlier = await this.db.message.count({
      where: { conversationId: message.conversationId, deliveryState: 'queued', seq: { lt: message.seq } },
    });
    if (earlier > 0) {
      // Keep the conversation's order: look again shortly, without spending an attempt.
      await job.moveToDelayed(Date.now() + ORDER_WAIT_MS, token);
      throw new DelayedError();
    }

    const sender = this.channels.get(message.channel);
    if (sender?.rateLimits && message.authorKind !== 'customer' && message.authorKind !== 'note') {
      const waitMs = await this.options.rateLimiter.acquire({
        channel: message.channel,
        chatId: message.conversation.externalChatId,
        messageId: message.id,
        limits: sender.rateLimits,
      });
      if (waitMs > 0) {
        // Over the platform's limit: wait in the queue, not in a worker slot, without spending an attempt.
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
    }

    const attempt = job.attemptsMade + 1;
    try {
      if (!sender) throw new PermanentDeliveryError(`channel ${message.channel} is not connected`);
      if (message.authorKind === 'customer' || message.authorKind === 'note') {
        throw new PermanentDeliveryError(`a ${message.authorKind} message is never delivered`);
      }
      const outbound: OutboundMessage = {
        id: message.id,
        channel: message.channel,
        chatId: message.conversation.externalChatId,
        text: message.text,
        author: { kind: message.authorKind, name: message.authorName },
        buttons: message.buttons as unknown as Button[],
        attachments: message.attachments as unknown as Attachment[],
        ticketNumber: message.ticket?.number ?? null,
        sentAt: message.sentAt,
      };
      const result = await sender.send(outbound).finally(() => this.noteSent(sender, outbound));
      // One transaction: an edit that landed while the old text was being sent is `queued` as the
      // reply becomes `sent`, never left where nothing would deliver it.
      const editMadeDuringSend = await this.db.$transaction(async (tx) => {
        const stored = await tx.message.update({
          where: { id: message.id },
          data: {
            deliveryState: 'sent',
            deliveredAt: new Date(),
            deliveryAttempts: attempt,
            deliveryError: null,
            ...(result.platformMessageId ? { platformMessageId: result.platformMessageId } : {}),
          },
          select: { text: true },
        });
        return stored.text === outbound.text ? null : queueEditMadeDuringSend(tx, message.id, outbound.text);
      });
      if (editMadeDuringSend && this.options.afterEditedSend) {
        await this.options.afterEditedSend(message.id).catch((err: unknown) => this.log.warn({ err, messageId: message.id }, 'an edit made while the reply was being sent could not be queued now: the sweep will'));
      }
      this.log.info({ messageId: message.id, channel: message.channel, attempt }, 'message delivered');
      this.events.publish('message.delivered', { messageId: message.id, channel: message.channel });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const waits = job.data.rateLimitWaits ?? 0;
      if (err instanceof RateLimitedError && waits < (this.options.maxRateLimitWaits ?? MAX_RATE_LIMIT_WAITS)) {
        // The platform's limit: wait what it asked, in the queue, without spending an attempt.
        await this.db.message.update({ where: { id: message.id }, data: { deliveryError: error } });
        await job.updateData({ ...job.data, rateLimitWaits: waits + 1 });
        this.log.info({ messageId: message.id, channel: message.channel, retryAfterMs: err.retryAfterMs, waits: waits + 1 }, 'delivery rate limited by the platform: waiting');
        await job.moveToDelayed(Date.now() + err.retryAfterMs, token);
        throw new DelayedError();
      }
      const final = err instanceof PermanentDeliveryError || attempt >= this.options.maxAttempts;
      await this.db.message.update({
        where: { id: message.id },
        data: { deliveryAttempts: attempt, deliveryError: error, ...(final ? { deliveryState: 'failed' } : {}) },
      });
      this.log.warn({ messageId: message.id, channel: message.channel, attempt, final, error }, 'delivery attempt failed');
      if (final) {
        this.events.publish('message.failed', { messageId: message.id, channel: message.channel, error });
        return;
      }
      throw err;
    }
  }

  /** Restarts the chat's rate-limit interval after a send; Redis trouble here must not fail a delivered message. */
  private async noteSent(sender: ChannelSender, message: OutboundMessage): Promise<void> {
    if (!sender.rateLimits) return;
    await this.options.rateLimiter
      .sent({ channel: message.channel, chatId: message.chatId, limits: sender.rateLimits })
      .catch((err: unknown) => this.log.warn({ err, messageId: message.id }, 'could not record a send for the rate limits'));
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
