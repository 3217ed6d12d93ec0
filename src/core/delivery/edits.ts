/**
 * Delivering an agent's edit of a reply the customer already has (src/core/agentEdits.ts): one
 * BullMQ job per edit (name `edit`, id `edit-<edit id>`) on the delivery queue, run by the
 * delivery worker. Like a message's delivery:
 *
 * - Idempotent: an edit that is no longer `queued` is skipped; senders' edits are safe to repeat.
 * - Within the platform's limits (the sender's `rateLimits`, shared with its sends).
 * - Retried with backoff while the platform fails; a rate-limit answer waits without spending an attempt.
 * - In order, and only the latest: an edit waits while an earlier edit of its message is still
 *   `queued` (or being sent, on any instance), and an older one that finds a newer one queued has
 *   nothing left to say (the sender always puts the message's current text), so it steps aside.
 *   An edit is only ever `queued` once its message is `sent` (by AgentEdits, or by the worker in
 *   the transaction that marks the reply sent: queueEditMadeDuringSend).
 *
 * A channel that cannot edit the message (no `edit`, too old for the platform's `editWindowMs`, or
 * the sender's EditUnsupportedError) ends the edit as `failed` without sending anything, and
 * `reply.edit_failed` lets the desks tell the agent to send a correction instead.
 */
import { DelayedError, type Job } from 'bullmq';
import type { Db } from '../../db/prisma.js';
import type { Prisma } from '../../generated/prisma/client.js';
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

/** How long an edit waits for an earlier edit of its message before looking again. */
const ORDER_WAIT_MS = 250;

/** Edits written later than `edit` (ties broken by id, so two edits never both count as the later). */
function laterThan(edit: { id: string; createdAt: Date }): Prisma.MessageEditWhereInput {
  return { OR: [{ createdAt: { gt: edit.createdAt } }, { createdAt: edit.createdAt, id: { gt: edit.id } }] };
}

function earlierThan(edit: { id: string; createdAt: Date }): Prisma.MessageEditWhereInput {
  return { OR: [{ createdAt: { lt: edit.createdAt } }, { createdAt: edit.createdAt, id: { lt: edit.id } }] };
}

/**
 * In the delivery worker's transaction that marks a reply `sent` (its row locked), when the
 * stored text is no longer `sentText`: agents' edits landed while it was being sent. The latest
 * one becomes `queued` (it puts the current text); the earlier ones made during the send are
 * recorded as superseded by it. Returns the queued edit's id (its job is queued after the commit;
 * the sweep covers a failed enqueue), or null when there is none.
 */
export async function queueEditMadeDuringSend(tx: Prisma.TransactionClient, messageId: string, sentText: string): Promise<string | null> {
  // Not yet delivered nor settled: made before the send (folded into it) or during it.
  const pending = await tx.messageEdit.findMany({
    where: { messageId, deliveryState: null, deliveryError: null },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { id: true, previousText: true },
  });
  const latest = pending[0];
  if (!latest) return null;
  // Back from the latest to the one that changed the text that was sent: those came during the send.
  const first = pending.findIndex((e) => e.previousText === sentText);
  const superseded = first > 0 ? pending.slice(1, first + 1).map((e) => e.id) : [];
  await tx.messageEdit.update({ where: { id: latest.id }, data: { deliveryState: 'queued' } });
  if (superseded.length) await tx.messageEdit.updateMany({ where: { id: { in: superseded } }, data: { deliveryError: 'superseded by a later edit' } });
  return latest.id;
}

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
    const later = await this.db.messageEdit.count({ where: { messageId: m.id, deliveryState: 'queued', ...laterThan(edit) } });
    if (later > 0) {
      // The later edit puts the message's current text: this one has nothing left to deliver.
      await this.db.messageEdit.updateMany({ where: { id: edit.id, deliveryState: 'queued' }, data: { deliveryState: null, deliveryError: 'superseded by a later edit' } });
      return;
    }
    const earlier = await this.db.messageEdit.count({ where: { messageId: m.id, deliveryState: 'queued', ...earlierThan(edit) } });
    if (earlier > 0) {
      // An earlier edit is still queued or on its way (maybe on another instance): it steps aside
      // or lands first, never after this one. Look again shortly, without spending an attempt.
      await job.moveToDelayed(Date.now() + ORDER_WAIT_MS, token);
      throw new DelayedError();
    }
    if (m.deliveryState !== 'sent') {
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
        sentText: await this.sentText(m.id, edit.previousText),
        platformMessageId: m.platformMessageId,
        editedAt: m.editedAt ?? edit.editedAt,
        message: {
          id: m.id,
          channel: m.channel,
          chatId,
          text: m.text,
          // Only agents' replies are ever edited through here (AgentEdits: a note's edit is never queued).
          author: { kind: 'agent', name: m.authorName },
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

  /**
   * The text the message was sent with: what the first edit made after the send found. Edits made
   * before it (folded into the send) are the only ones never `queued` nor settled with a reason.
   */
  private async sentText(messageId: string, fallback: string): Promise<string> {
    const first = await this.db.messageEdit.findFirst({
      where: { messageId, OR: [{ deliveryState: { not: null } }, { deliveryError: { not: null } }] },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { previousText: true },
    });
    return first?.previousText ?? fallback;
  }

  private async noteSent(sender: ChannelSender, channel: ChannelSender['channel'], chatId: string): Promise<void> {
    if (!sender.rateLimits) return;
    await this.options.rateLimiter.sent({ channel, chatId, limits: sender.rateLimits }).catch((err: unknown) => this.log.warn({ err }, 'could not record an edit for the rate limits'));
  }
}
