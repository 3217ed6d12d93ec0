/**
 * People get a ticket from the KB bot: the bot's handoff (src/kb/bot.ts) and an agent's reply to a
 * ticket the bot still has (TicketService.reply) call this inside their transaction, under the
 * ticket's row lock. (An assignment or a `botActive` patch goes through TicketService.update,
 * which recomputes the due times with its other changes.)
 */
import type { Prisma } from '../generated/prisma/client.js';
import { audit } from './audit.js';
import type { Actor } from './events.js';
import { clockPauses, unmetDueTimes } from './sla/pauses.js';
import type { SlaClock } from './sla/policy.js';

export type Changes = Record<string, { from: unknown; to: unknown }>;

/**
 * `botActive` becomes false (`handedOffAt` is set, the first time) and people's SLA clock starts now: the unmet targets get their due
 * times, the time with the bot left out (src/core/sla/pauses.ts). Returns the changes made;
 * each due time that changed is audited like an agent's change.
 */
export async function handToPeople(tx: Prisma.TransactionClient, ticketId: string, sla: SlaClock, actor: Actor, now = new Date()): Promise<Changes> {
  const t = await tx.ticket.findUniqueOrThrow({
    where: { id: ticketId },
    select: {
      id: true, origin: true, priority: true, category: true, openedAt: true, firstRespondedAt: true, resolvedAt: true,
      firstResponseDueAt: true, resolutionDueAt: true, handedOffAt: true,
    },
  });
  // The bot's time so far is a pause that ends now; people have the ticket from here on.
  const due = unmetDueTimes(sla, t, await clockPauses(tx, t, { bot: true, until: now }), false);
  // First response time counts from the first time people got the ticket.
  const data: Prisma.TicketUpdateInput = { botActive: false, ...(t.handedOffAt ? {} : { handedOffAt: now }) };
  const changes: Changes = { botActive: { from: true, to: false } };
  for (const key of ['firstResponseDueAt', 'resolutionDueAt'] as const) {
    const to = due[key];
    if (to === undefined || to?.getTime() === t[key]?.getTime()) continue;
    data[key] = to;
    changes[key] = { from: t[key], to };
  }
  if (due.slaPolicy !== undefined) data.slaPolicy = due.slaPolicy;
  await tx.ticket.update({ where: { id: ticketId }, data });
  for (const [field, change] of Object.entries(changes)) if (field !== 'botActive') await audit(tx, ticketId, `${field}_changed`, actor, change);
  return changes;
}
