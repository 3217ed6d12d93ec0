/**
 * Reads tickets as the timer planner sees them (./plan.ts): the row, plus what the audit trail
 * knows (when the SLA clock stood still, when the ticket last went pending). One
 * query for the rows and one for their events, for one ticket or a batch of the rebuild.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import { CLOCK_EVENT_TYPES, pausesOf } from '../sla/pauses.js';
import type { TimerTicket } from './plan.js';

type Reader = Pick<Prisma.TransactionClient, 'ticket' | 'ticketEvent'>;

const select = {
  id: true, number: true, conversationId: true, channel: true, status: true, priority: true, category: true, line: true, teamId: true, assigneeId: true, botActive: true,
  origin: true, openedAt: true, handedOffAt: true, pendingUntil: true, firstResponseDueAt: true, resolutionDueAt: true, firstRespondedAt: true, resolvedAt: true,
  overdue: true, slaWarnedAt: true, slaBreachedAt: true, busyNotifiedAt: true, csatRequestedAt: true, assignedAt: true,
  lastCustomerMessageAt: true, lastAgentReplyAt: true, mergedIntoId: true, team: { select: { name: true } },
} satisfies Prisma.TicketSelect;

/** The audit event a `pending` automation rule's timer leaves: the rule ran in this pending period. */
export const PENDING_RULE_EVENT = 'automation.pending';

/** The tickets matching `where`, with their audit facts. */
export async function loadTimerTickets(db: Reader, where: Prisma.TicketWhereInput, take?: number): Promise<TimerTicket[]> {
  const rows = await db.ticket.findMany({ where, select, orderBy: { number: 'asc' }, ...(take ? { take } : {}) });
  if (!rows.length) return [];
  const events = await db.ticketEvent.findMany({
    where: { ticketId: { in: rows.map((r) => r.id) }, type: { in: [...CLOCK_EVENT_TYPES, PENDING_RULE_EVENT] } },
    orderBy: { seq: 'asc' },
    select: { ticketId: true, type: true, data: true, createdAt: true },
  });
  const byTicket = new Map<string, typeof events>();
  for (const e of events) {
    const list = byTicket.get(e.ticketId) ?? [];
    list.push(e);
    byTicket.set(e.ticketId, list);
  }
  return rows.map(({ team, origin, ...row }) => {
    const list = byTicket.get(row.id) ?? [];
    let pendingSince: Date | null = null;
    let pendingRulesRun: string[] = [];
    for (const e of list) {
      const change = (e.data ?? {}) as { from?: unknown; to?: unknown; rule?: unknown };
      if (e.type === 'status_changed' || e.type === 'reopened') {
        if (change.to === 'pending' && change.from !== 'pending') {
          pendingSince = e.createdAt;
          pendingRulesRun = [];
        } else if (change.from === 'pending' && change.to !== 'pending') pendingSince = null;
      } else if (e.type === PENDING_RULE_EVENT) {
        if (typeof change.rule === 'string') pendingRulesRun.push(change.rule);
      }
    }
    const pending = row.status === 'pending';
    const start = { openedAt: row.openedAt, origin };
    return {
      ...row,
      team: team?.name ?? null,
      pauses: { people: pausesOf(list, start, { bot: false }), bot: pausesOf(list, start, { bot: true }) },
      pendingSince: pending ? pendingSince : null,
      pendingRulesRun: pending ? pendingRulesRun : [],
    };
  });
}

/** One ticket by id, or null. */
export async function loadTimerTicket(db: Reader, ticketId: string): Promise<TimerTicket | null> {
  return (await loadTimerTickets(db, { id: ticketId }))[0] ?? null;
}
