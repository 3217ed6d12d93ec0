/**
 * Agents' edits of their replies (a typo, a wrong amount): the message takes the new text, the
 * text it had is kept (MessageEdit, as for customers' edits), the change is audited, and the
 * customer's copy is edited too where their channel can (src/core/delivery/edits.ts).
 *
 * What happens to the customer's copy depends on where the reply is:
 * - still `queued`: nothing more. The delivery worker reads the text when it sends, so the
 *   customer gets the new one; should the edit land while the worker is sending the old text,
 *   the worker notices (the stored text differs from what it sent), marks the edit `queued` as it
 *   marks the reply sent (one transaction), and `afterSend` queues it.
 * - `sent`: the edit is queued for delivery (BullMQ, like every delivery: retried, never dropped).
 *   A channel that cannot edit it ends the edit as `failed`, and the desks tell the agent.
 * - an internal note, or a reply that never reached the customer (`failed`): only the text changes.
 *
 * Only agents' replies and notes are edited here (not the bot's or system messages), by their
 * author or an admin. The same text again changes nothing, so a redelivered edit event is harmless.
 */
import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { audit } from './audit.js';
import type { DeliveryQueue } from './delivery/queue.js';
import { applyTextEdit } from './edits.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import type { Actor, EventBus } from './events.js';
import { isUuid } from './files.js';
import type { Channel } from './model.js';
import { writtenOnPlatform } from './platformReplies.js';

/** The longest text an edit may set (as a REST reply). */
export const MAX_EDIT_LENGTH = 20_000;

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
  /**
   * The agent edited the message on the customer's platform itself (their own message in a shared
   * Slack channel, src/core/platformReplies.ts): the customer sees the edit already, nothing is
   * delivered. Only such replies can be edited so; any other edit of one is refused (409): we
   * cannot edit someone else's message on the platform, and the ticket must not read otherwise.
   */
  onPlatform?: boolean;
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
  deliveryAttempts: number;
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
    private readonly log?: Logger,
  ) {}

  /** Edits an agent's reply or note; see the module comment for what reaches the customer. */
  async edit(input: ReplyEditInput): Promise<ReplyEditOutcome> {
    const text = input.text.trim();
    if (!text) throw new ValidationError('text must not be empty', 'text');
    if (text.length > MAX_EDIT_LENGTH) throw new ValidationError(`text is longer than ${MAX_EDIT_LENGTH} characters`, 'text');
    if (!isUuid(input.messageId)) throw new NotFoundError(`message ${input.messageId} not found`);
    const editedAt = input.editedAt ?? new Date();
    const actor: Actor = { kind: 'agent', name: input.actor.name, agentId: input.actor.agentId };

    const result = await this.db.$transaction(async (tx) => {
      // The row lock settles two edits of one message at once, and an edit against the worker's "sent".
      const rows = await tx.$queryRaw<LockedMessage[]>`
        SELECT m."id", m."text", m."direction", m."authorKind", m."agentId", m."deliveryState", m."deliveryAttempts", m."editedAt",
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
      const writtenThere = writtenOnPlatform(m);
      if (writtenThere !== Boolean(input.onPlatform)) {
        throw writtenThere
          ? new ConflictError(`this reply was written in the customer's ${m.channel === 'slack' ? 'Slack channel' : 'chat'}: edit it there`)
          : new ValidationError("only a reply written on the customer's platform can be edited there", 'messageId');
      }
      const internal = m.authorKind === 'note';
      const delivery = internal || writtenThere ? 'none' : m.deliveryState === 'sent' ? 'queued' : m.deliveryState === 'queued' ? 'with_send' : 'none';
      // A desk's edit carries the platform's time (a late redelivery is stale); a REST edit is "now".
      const change = await applyTextEdit(tx, m, text, editedAt, { checkStale: input.editedAt !== undefined, ...(delivery === 'queued' ? { deliveryState: 'queued' as const } : {}) });
      if (change.kind !== 'edited') return change;
      await audit(tx, m.ticketId, internal ? 'note_edited' : 'reply_edited', actor, { messageId: m.id, previousText: m.text, text, delivery });
      return { kind: 'edited' as const, m: { ...m, ticketId: m.ticketId, ticketNumber: m.ticketNumber }, editId: change.editId, delivery, internal } as const;
    });
    if (result.kind !== 'edited') return { kind: result.kind, messageId: input.messageId };

    const { m, editId, delivery, internal } = result;
    if (delivery === 'queued') {
      // Committed as `queued`: should Redis fail now, the sweep queues it (src/core/delivery/sweep.ts).
      await this.queue.enqueueEdits([{ editId, messageId: m.id }]).catch((err: unknown) => this.log?.warn({ err, messageId: m.id, editId }, 'an edit could not be queued now: the sweep will'));
    }
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
    });
    return { kind: 'edited', messageId: m.id, editId, ticketNumber: m.ticketNumber, delivery };
  }

  /**
   * The delivery worker sent a reply whose text changed meanwhile (an edit landed while it was
   * sending the old text): in the transaction that marked the reply sent, it marked that edit
   * `queued` (src/core/delivery/edits.ts, queueEditMadeDuringSend); this queues its job. Should
   * Redis fail here, the sweep queues it.
   */
  async afterSend(messageId: string): Promise<void> {
    const queued = await this.db.messageEdit.findMany({ where: { messageId, deliveryState: 'queued' }, select: { id: true } });
    await this.queue.enqueueEdits(queued.map((e) => ({ editId: e.id, messageId })));
  }
}
