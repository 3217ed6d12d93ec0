/**
 * Reads a ticket as the timer planner sees it (./plan.ts): the row, plus what the audit trail
 * knows (when the SLA clock stood still, when the ticket last went pending).
 */
import type { Prisma } from '../../generated/prisma/client.js';
import { CLOCK_EVENT_TYPES, pausesOf } from '../sla/pauses.js';
import type { TimerTicket } from './plan.js';

type Reader = Pick<Prisma.TransactionClient, '$queryRaw'>;

/** The audit event a `pending` automation rule's timer leaves: the rule ran in this pending period. */
export const PENDING_RULE_EVENT = 'automation.pending';

const EVENT_TYPES = [...CLOCK_EVENT_TYPES, PENDING_RULE_EVENT];

type Row = Omit<TimerTicket, 'pauses' | 'pendingSince' | 'pendingRulesRun'> & {
  origin: 'customer' | 'agent';
  /** The audit events the planner reads, oldest first (`at`: epoch ms). */
  events: Array<{ type: string; data: unknown; at: number }>;
};

/**
 * One ticket by id, with its audit facts, or null. One raw statement: timers plan on every
 * message and ticket change, and the ORM's query compiler cost more CPU than the query itself
 * (`npm run bench:ingest`).
 */
export async function loadTimerTicket(db: Reader, ticketId: string): Promise<TimerTicket | null> {
  const rows = await db.$queryRaw<Row[]>`
    SELECT t."id", t."number", t."conversationId", t."channel"::text AS "channel", t."status"::text AS "status",
           t."priority"::text AS "priority", t."category", t."line", t."teamId", tm."name" AS "team", t."assigneeId", t."botActive",
           t."origin"::text AS "origin", t."openedAt", t."handedOffAt", t."pendingUntil", t."firstResponseDueAt", t."resolutionDueAt",
           t."firstRespondedAt", t."resolvedAt", t."overdue", t."slaWarnedAt", t."slaBreachedAt", t."busyNotifiedAt",
           t."csatRequestedAt", t."assignedAt", t."lastCustomerMessageAt", t."lastAgentReplyAt", t."mergedIntoId",
           COALESCE((SELECT json_agg(json_build_object('type', e."type", 'data', e."data", 'at', round(extract(epoch FROM e."createdAt") * 1000)) ORDER BY e."seq")
                     FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."type" = ANY(${EVENT_TYPES})), '[]'::json) AS "events"
    FROM "Ticket" t LEFT JOIN "Team" tm ON tm."id" = t."teamId"
    WHERE t."id" = ${ticketId}::uuid`;
  const row = rows[0];
  return row ? withAuditFacts(row) : null;
}

/** The row, with what its audit trail says: when the clock stood still, the pending period and its rules run. */
function withAuditFacts({ events, origin, ...row }: Row): TimerTicket {
  const list = events.map((e) => ({ type: e.type, data: e.data, createdAt: new Date(Number(e.at)) }));
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
    pauses: { people: pausesOf(list, start, { bot: false }), bot: pausesOf(list, start, { bot: true }) },
    pendingSince: pending ? pendingSince : null,
    pendingRulesRun: pending ? pendingRulesRun : [],
  };
}
