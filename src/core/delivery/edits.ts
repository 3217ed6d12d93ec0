/**
 * Delivering an agent's edit of a reply the customer already has (src/core/agentEdits.ts): one
 * BullMQ job per edit (name `edit`, id `edit-<edit id>`) on the delivery queue, run by the
 * delivery worker. Like a message's delivery:
 *
 * - Idempotent: an edit that is no longer `queued` is skipped; senders' edits are safe to repeat.
 * - Within the platform's limits (the sender's `rateLimits`, shared with its sends).
 * - Retried with backoff while the platform fails; a rate-limit answer waits without spending an attempt.
 * - Only the latest edit of a message goes out: an older one still queued has nothing left to say
 *   (the sender always puts the message's current text).
 *
 * A channel that cannot edit the message (no `edit`, too old for the platform's `editWindowMs`, or
 * the sender's EditUnsupportedError) ends the edit as `failed` without sending anything, and
 * `reply.edit_failed` lets the desks tell the agent to send a correction instead.
 */
import { DelayedError, type Job } from 'bullmq';
import type { Db } from '../../db/prisma.js';
import type { Logger } from '../../logger.js';
import type { ChannelRegistry } from '../channels.js';
import type { EventBus } from '../events.js';
import type { Attachment, Button, ChannelSender, OutboundEdit } from '../model.js';
import { EditUnsupportedError, PermanentDeliveryError, RateLimitedError } from './errors.js';
import type { DeliveryJob } from './queue.js';
import type { SendRateLimiter } from './rateLimit.js';

export interface EditDeliveryOptions {
  maxAttempts: number;
  maxRateLimitWaits: number;
  rateLimiter: SendRateLimiter;
}

/** How long an edit waits for its message's own delivery before looking again. */
const MESSAGE_WAIT_MS = 250;

export class EditDelivery {
  constructor(
    private readonly db: Db,
    private readonly channels: ChannelRegistry,
    private readonly events: EventBus,
    private readonly log: Logger,
    private readonly options: EditDeliveryOptions,
  ) {}

  async process(job: Job<DeliveryJob>, token: string | undefined, editId: string): Promise<void> {
    const edit = await this.db.messageEdit.findUnique({
      where: { id: editId },
      include: { message: { include: { conversation: { select: { externalChatId: true } }, ticket: { select: { id: true, number: true } } } } },
    });
    if (!edit || edit.deliveryState !== 'queued') return;
    const m = edit.message;
    const later = await this.db.messageEdit.count({ where: { messageId: m.id, deliveryState: 'queued', createdAt: { gt: edit.createdAt } } });
    if (later > 0) {
      // The later edit puts the message's current text: this one has nothing left to deliver.
      await this.db.messageEdit.updateMany({ where: { id: edit.id, deliveryState: 'queued' }, data: { deliveryState: null, deliveryError: 'superseded by a later edit' } });
      return;
    }
    if (m.deliveryState === 'queued') {
      // The reply itself is still on its way (it will carry the new text): look again shortly.
      await job.moveToDelayed(Date.now() + MESSAGE_WAIT_MS, token);
      throw new DelayedError();
    }
    if (m.deliveryState !== 'sent' || m.authorKind === 'customer' || m.authorKind === 'note') {
      await this.db.messageEdit.updateMany({ where: { id: edit.id, deliveryState: 'queued' }, data: { deliveryState: null, deliveryError: 'the reply never reached the customer' } });
      return;
    }

    const sender = this.channels.get(m.channel);
    const chatId = m.conversation.externalChatId;
    if (sender?.edit && sender.rateLimits) {
      const waitMs = await this.options.rateLimiter.acquire({ channel: m.channel, chatId, messageId: `edit-${edit.id}`, limits: sender.rateLimits });
      if (waitMs > 0) {
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
    }

    const attempt = job.attemptsMade + 1;
    try {
      if (!sender) throw new PermanentDeliveryError(`channel ${m.channel} is not connected`);
      if (!sender.edit) throw new EditUnsupportedError(`the ${m.channel} channel cannot edit a sent message`);
      const sentAt = m.deliveredAt ?? m.sentAt;
      if (sender.editWindowMs !== undefined && Date.now() - sentAt.getTime() > sender.editWindowMs) {
        throw new EditUnsupportedError(`${m.channel} lets a message be edited for ${Math.round(sender.editWindowMs / 60_000)} minutes only`, 'too_old');
      }
      const outbound: OutboundEdit = {
        editId: edit.id,
        previousText: edit.previousText,
        platformMessageId: m.platformMessageId,
        deliveredAt: m.deliveredAt,
        editedAt: m.editedAt ?? edit.editedAt,
        message: {
          id: m.id,
          channel: m.channel,
          chatId,
          text: m.text,
          author: { kind: m.authorKind, name: m.authorName },
          buttons: m.buttons as unknown as Button[],
          attachments: m.attachments as unknown as Attachment[],
          ticketNumber: m.ticket?.number ?? null,
          sentAt: m.sentAt,
        },
      };
      await sender.edit(outbound).finally(() => this.noteSent(sender, m.channel, chatId));
      await this.db.messageEdit.update({ where: { id: edit.id }, data: { deliveryState: 'sent', deliveredAt: new Date(), deliveryAttempts: attempt, deliveryError: null } });
      this.log.info({ messageId: m.id, editId: edit.id, channel: m.channel, attempt }, 'edit delivered');
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const waits = job.data.rateLimitWaits ?? 0;
      if (err instanceof RateLimitedError && waits < this.options.maxRateLimitWaits) {
        await this.db.messageEdit.update({ where: { id: edit.id }, data: { deliveryError: error } });
        await job.updateData({ ...job.data, rateLimitWaits: waits + 1 });
        await job.moveToDelayed(Date.now() + err.retryAfterMs, token);
        throw new DelayedError();
      }
      const final = err instanceof PermanentDeliveryError || attempt >= this.options.maxAttempts;
      await this.db.messageEdit.update({
        where: { id: edit.id },
        data: { deliveryAttempts: attempt, deliveryError: error, ...(final ? { deliveryState: 'failed' } : {}) },
      });
      this.log.warn({ messageId: m.id, editId: edit.id, channel: m.channel, attempt, final, error }, 'edit delivery attempt failed');
      if (!final) throw err;
      if (m.ticket) {
        this.events.publish('reply.edit_failed', {
          ticketId: m.ticket.id,
          ticketNumber: m.ticket.number,
          conversationId: m.conversationId,
          channel: m.channel,
          messageId: m.id,
          editId: edit.id,
          agentId: m.agentId,
          reason: err instanceof EditUnsupportedError ? err.reason : 'failed',
          error,
        });
      }
    }
  }

  private async noteSent(sender: ChannelSender, channel: ChannelSender['channel'], chatId: string): Promise<void> {
    if (!sender.rateLimits) return;
    await this.options.rateLimiter.sent({ channel, chatId, limits: sender.rateLimits }).catch((err: unknown) => this.log.warn({ err }, 'could not record an edit for the rate limits'));
  }
}
