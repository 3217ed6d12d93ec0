/**
 * Agents' edits of their replies (a typo, a wrong amount): the message takes the new text, the
 * text it had is kept (MessageEdit, as for customers' edits), the change is audited, and the
 * customer's copy is edited too where their channel can (src/core/delivery/edits.ts).
 *
 * What happens to the customer's copy depends on where the reply is:
 * - still `queued`: nothing more. The delivery worker reads the text when it sends, so the
 *   customer gets the new one; should the edit land while the worker is sending the old text,
 *   the worker notices (the stored text differs from what it sent) and `afterSend` queues the edit.
 * - `sent`: the edit is queued for delivery (BullMQ, like every delivery: retried, never dropped).
 *   A channel that cannot edit it ends the edit as `failed`, and the desks tell the agent.
 * - an internal note, or a reply that never reached the customer (`failed`): only the text changes.
 *
 * Only agents' replies and notes are edited here (not the bot's or system messages), by their
 * author or an admin. The same text again changes nothing, so a redelivered edit event is harmless.
 */
import type { Db } from '../db/prisma.js';
import { audit } from './audit.js';
import type { DeliveryQueue } from './delivery/queue.js';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import type { Actor, EventBus } from './events.js';
import type { Channel } from './model.js';

/** The longest text an edit may set (as a REST reply). */
export const MAX_EDIT_LENGTH = 20_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who edits: an agent (their own replies only) or an admin (any agent's reply). */
export interface EditActor {
  agentId: string | null;
  name: string | null;
  admin: boolean;
}

export interface ReplyEditInput {
  messageId: string;
  text: string;
  actor: EditActor;
  /** The ticket the message must belong to (REST: the path's number). */
  ticketNumber?: number;
  /** When the edit was made (a desk's platform time); defaults to now. */
  editedAt?: Date;
}

export type ReplyEditOutcome =
  /** The message already reads so: nothing recorded (a repeated edit). */
  | { kind: 'unchanged'; messageId: string }
  /** An edit older than the message's last one (a late redelivery): the newer text stays. */
  | { kind: 'stale'; messageId: string }
  | { kind: 'edited'; messageId: string; editId: string; ticketNumber: number; delivery: 'queued' | 'with_send' | 'none' };

interface LockedMessage {
  id: string;
  text: string;
  direction: string;
  authorKind: string;
  agentId: string | null;
  deliveryState: string | null;
  editedAt: Date | null;
  conversationId: string;
  channel: Channel;
  ticketId: string | null;
  ticketNumber: number | null;
}

export class AgentEdits {
  constructor(
    private readonly db: Db,
    private readonly queue: DeliveryQueue,
    private readonly events: EventBus,
  ) {}

  /** Edits an agent's reply or note; see the module comment for what reaches the customer. */
  async edit(input: ReplyEditInput): Promise<ReplyEditOutcome> {
    const text = input.text.trim();
    if (!text) throw new ValidationError('text must not be empty', 'text');
    if (text.length > MAX_EDIT_LENGTH) throw new ValidationError(`text is longer than ${MAX_EDIT_LENGTH} characters`, 'text');
    if (!UUID.test(input.messageId)) throw new NotFoundError(`message ${input.messageId} not found`);
    const editedAt = input.editedAt ?? new Date();
    const actor: Actor = { kind: 'agent', name: input.actor.name, agentId: input.actor.agentId };

    const result = await this.db.$transaction(async (tx) => {
      // The row lock settles two edits of one message at once, and an edit against the worker's "sent".
      const rows = await tx.$queryRaw<LockedMessage[]>`
        SELECT m."id", m."text", m."direction", m."authorKind", m."agentId", m."deliveryState", m."editedAt",
               m."conversationId", m."channel", t."id" AS "ticketId", t."number" AS "ticketNumber"
        FROM "Message" m LEFT JOIN "Ticket" t ON t."id" = m."ticketId"
        WHERE m."id" = ${input.messageId}::uuid
        FOR UPDATE OF m`;
      const m = rows[0];
      if (!m || m.ticketId === null || m.ticketNumber === null || (input.ticketNumber !== undefined && m.ticketNumber !== input.ticketNumber)) {
        throw new NotFoundError(`message ${input.messageId} not found${input.ticketNumber !== undefined ? ` in ticket #${input.ticketNumber}` : ''}`);
      }
      if (m.direction !== 'outbound' || (m.authorKind !== 'agent' && m.authorKind !== 'note')) {
        throw new ValidationError("only agents' replies and notes can be edited", 'messageId');
      }
      if (!input.actor.admin && (!input.actor.agentId || input.actor.agentId !== m.agentId)) {
        throw new ForbiddenError('only the agent who wrote the reply, or an admin, may edit it');
      }
      if (m.text === text) return { kind: 'unchanged' as const };
      if (input.editedAt && m.editedAt && input.editedAt < m.editedAt) return { kind: 'stale' as const };
      const internal = m.authorKind === 'note';
      const delivery = internal ? 'none' : m.deliveryState === 'sent' ? 'queued' : m.deliveryState === 'queued' ? 'with_send' : 'none';
      const edit = await tx.messageEdit.create({
        data: { messageId: m.id, previousText: m.text, editedAt, ...(delivery === 'queued' ? { deliveryState: 'queued' as const } : {}) },
        select: { id: true },
      });
      await tx.message.update({ where: { id: m.id }, data: { text, editedAt } });
      await audit(tx, m.ticketId, internal ? 'note_edited' : 'reply_edited', actor, { messageId: m.id, previousText: m.text, text, delivery });
      return { kind: 'edited' as const, m: { ...m, ticketId: m.ticketId, ticketNumber: m.ticketNumber }, editId: edit.id, delivery, internal } as const;
    });
    if (result.kind !== 'edited') return { kind: result.kind, messageId: input.messageId };

    const { m, editId, delivery, internal } = result;
    if (delivery === 'queued') await this.queue.enqueueEdits([{ editId, messageId: m.id }]);
    this.events.publish('reply.edited', {
      ticketId: m.ticketId,
      ticketNumber: m.ticketNumber,
      conversationId: m.conversationId,
      channel: m.channel,
      messageId: m.id,
      editId,
      text,
      previousText: m.text,
      editedAt,
      internal,
      actor,
      delivery,
    });
    return { kind: 'edited', messageId: m.id, editId, ticketNumber: m.ticketNumber, delivery };
  }

  /**
   * The delivery worker sent a reply and found its text changed meanwhile (an edit landed while
   * it was sending the old text): the latest edit, recorded as going with the send, must be
   * delivered after all. Marked in PostgreSQL first, so the sweep queues it if Redis fails here.
   */
  async afterSend(messageId: string): Promise<void> {
    const latest = await this.db.messageEdit.findFirst({ where: { messageId }, orderBy: { createdAt: 'desc' }, select: { id: true, deliveryState: true } });
    if (!latest || latest.deliveryState !== null) return;
    const marked = await this.db.messageEdit.updateMany({ where: { id: latest.id, deliveryState: null }, data: { deliveryState: 'queued' } });
    if (marked.count) await this.queue.enqueueEdits([{ editId: latest.id, messageId }]);
  }
}
