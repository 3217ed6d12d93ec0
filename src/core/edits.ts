/**
 * Customers' edits of messages they sent: the message shows the new text, and the text it had
 * before is kept (MessageEdit), so an agent who answered the old wording can see what changed.
 */
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { InboundEdit } from './model.js';

/** What recording an edit did. */
export type EditOutcome =
  | { kind: 'unknown' }
  /** The message already has this text: a redelivered edit, nothing recorded. */
  | { kind: 'unchanged' }
  /** An edit older than the message's last one (a late redelivery): the newer text stays. */
  | { kind: 'stale' }
  | {
      kind: 'edited';
      messageId: string;
      /** The MessageEdit row keeping the earlier text. */
      editId: string;
      conversationId: string;
      previousText: string;
      editedAt: Date;
      ticket: { id: string; number: number } | null;
    };

/**
 * Finds the customer's message by its platform id in that chat, keeps its text as an edit, and
 * puts the new text in place. The row lock settles two edits of one message arriving at once.
 */
export async function recordEdit(db: Db, edit: InboundEdit): Promise<EditOutcome> {
  const editedAt = edit.editedAt ?? new Date();
  return db.$transaction(async (tx) => {
    // The chat must match too: on some platforms (Telegram) message ids are only unique per chat.
    const rows = await tx.$queryRaw<Array<{ id: string; text: string; editedAt: Date | null; conversationId: string; ticketId: string | null; ticketNumber: number | null }>>`
      SELECT m."id", m."text", m."editedAt", m."conversationId", t."id" AS "ticketId", t."number" AS "ticketNumber"
      FROM "Message" m
      JOIN "Conversation" c ON c."id" = m."conversationId"
      LEFT JOIN "Ticket" t ON t."id" = m."ticketId"
      WHERE m."channel" = ${edit.channel}::"Channel" AND m."platformMessageId" = ${edit.messageId}
        AND m."direction" = 'inbound' AND c."externalChatId" = ${edit.chatId}
      FOR UPDATE OF m`;
    const row = rows[0];
    if (!row) return { kind: 'unknown' } as const;
    const change = await applyTextEdit(tx, row, edit.text, editedAt, { checkStale: true });
    if (change.kind !== 'edited') return change;
    return {
      kind: 'edited',
      messageId: row.id,
      editId: change.editId,
      conversationId: row.conversationId,
      previousText: row.text,
      editedAt,
      ticket: row.ticketId && row.ticketNumber !== null ? { id: row.ticketId, number: row.ticketNumber } : null,
    } as const;
  });
}

/** A message's row, locked (`FOR UPDATE`) by the transaction that edits it. */
export interface LockedText {
  id: string;
  text: string;
  editedAt: Date | null;
}

/** What applying an edit to a locked message did. */
export type TextChange = { kind: 'unchanged' } | { kind: 'stale' } | { kind: 'edited'; editId: string };

/**
 * The heart of an edit (a customer's, or an agent's: src/core/agentEdits.ts), inside the
 * transaction that locked the message's row: nothing when the message already reads so (compared
 * trimmed: a redelivered edit) or, with `checkStale`, when the edit is older than the message's
 * last one (a late redelivery); otherwise its text is kept as a MessageEdit (with `deliveryState`
 * when the edit is to be delivered) and the new text put in place.
 */
export async function applyTextEdit(
  tx: Prisma.TransactionClient,
  row: LockedText,
  text: string,
  editedAt: Date,
  options: { checkStale: boolean; deliveryState?: 'queued' },
): Promise<TextChange> {
  if (row.text.trim() === text.trim()) return { kind: 'unchanged' };
  if (options.checkStale && row.editedAt && editedAt < row.editedAt) return { kind: 'stale' };
  const edit = await tx.messageEdit.create({
    data: { messageId: row.id, previousText: row.text, editedAt, ...(options.deliveryState ? { deliveryState: options.deliveryState } : {}) },
    select: { id: true },
  });
  await tx.message.update({ where: { id: row.id }, data: { text, editedAt } });
  return { kind: 'edited', editId: edit.id };
}
