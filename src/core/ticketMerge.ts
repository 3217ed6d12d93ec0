/**
 * Merging two tickets of one customer (the same question asked twice, perhaps on two channels):
 * the source's messages move to the target, the source is closed and points at the target
 * (`mergedIntoId`), and both audit trails say so. The target keeps its own SLA clock, assignee
 * and status; it gains the source's tags.
 */
import type { Db } from '../db/prisma.js';
import { audit } from './audit.js';
import { NotFoundError, ValidationError } from './errors.js';
import type { Actor, EventBus } from './events.js';
import { normalizeTags } from './tags.js';

interface MergeRow {
  id: string;
  number: number;
  conversationId: string;
  channel: 'widget' | 'api' | 'telegram' | 'vk' | 'whatsapp' | 'slack';
  contactId: string;
  status: string;
  tags: string[];
  mergedIntoId: string | null;
}

export async function mergeTickets(db: Db, events: EventBus, sourceNumber: number, targetNumber: number, actor: Actor): Promise<{ movedMessages: number }> {
  if (sourceNumber === targetNumber) throw new ValidationError('a ticket cannot be merged into itself', 'into');
  const result = await db.$transaction(async (tx) => {
    // Both rows locked in number order, so two opposite merges cannot deadlock.
    const rows = await tx.$queryRaw<MergeRow[]>`
      SELECT "id", "number", "conversationId", "channel", "contactId", "status"::text AS "status", "tags", "mergedIntoId"
      FROM "Ticket" WHERE "number" IN (${sourceNumber}, ${targetNumber}) ORDER BY "number" FOR UPDATE`;
    const source = rows.find((r) => r.number === sourceNumber);
    const target = rows.find((r) => r.number === targetNumber);
    if (!source) throw new NotFoundError(`ticket #${sourceNumber} not found`);
    if (!target) throw new NotFoundError(`ticket #${targetNumber} not found`);
    if (source.contactId !== target.contactId) {
      throw new ValidationError(`tickets #${sourceNumber} and #${targetNumber} belong to different customers: link the contacts first`, 'into');
    }
    if (source.mergedIntoId) throw new ValidationError(`ticket #${sourceNumber} was already merged`, 'number');
    if (target.mergedIntoId || target.status === 'closed') throw new ValidationError(`ticket #${targetNumber} is closed: merge into an open ticket`, 'into');

    const moved = await tx.message.updateMany({ where: { ticketId: source.id }, data: { ticketId: target.id } });
    const now = new Date();
    await tx.ticket.update({
      where: { id: source.id },
      data: { status: 'closed', closedAt: now, resolvedAt: now, pendingUntil: null, mergedIntoId: target.id, botActive: false },
    });
    const tags = normalizeTags([...target.tags, ...source.tags]);
    if (tags.length !== target.tags.length) await tx.ticket.update({ where: { id: target.id }, data: { tags } });
    await audit(tx, source.id, 'merged_into', actor, { into: target.number, messages: moved.count });
    await audit(tx, target.id, 'merged_from', actor, { from: source.number, messages: moved.count });
    return { source, target, moved: moved.count, tags };
  });
  const ref = (t: MergeRow) => ({ ticketId: t.id, ticketNumber: t.number, conversationId: t.conversationId, channel: t.channel });
  events.publish('ticket.updated', {
    ...ref(result.source),
    changes: { status: { from: result.source.status, to: 'closed' }, mergedInto: { from: null, to: result.target.number } },
    actor,
  });
  events.publish('ticket.updated', { ...ref(result.target), changes: { mergedFrom: { from: null, to: result.source.number } }, actor });
  return { movedMessages: result.moved };
}
