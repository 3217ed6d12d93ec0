/**
 * Who may get a ticket. An eligible agent is an active member of the ticket's team, online, not
 * absent now, whose skills cover the ticket's category (or who has no skills; a ticket without
 * a category fits everyone), with fewer open tickets (new, open, pending) than their capacity.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import type { Db } from '../../db/prisma.js';

/** Statuses that count against an agent's capacity. */
export const OPEN_STATUSES = ['new', 'open', 'pending'] as const;
/** Statuses of a ticket that still waits for an agent. */
export const QUEUED_STATUSES = ['new', 'open'] as const;

export interface Candidate {
  id: string;
  handle: string;
  /** Open tickets assigned to the agent now. */
  load: number;
  capacity: number | null;
  lastAssignedAt: Date | null;
  /** The agent's skills cover the ticket's category. */
  covers: boolean;
}

export type Strategy = 'round-robin' | 'least-loaded' | 'pool';

/**
 * The team's available members with free capacity, best first for the strategy: round-robin by
 * whose last assignment is oldest (never assigned first); least-loaded by fewest open tickets,
 * then as round-robin. `covers` says whether each one's skills fit `category`.
 */
export async function availableMembers(db: Prisma.TransactionClient | Db, teamId: string, category: string | null, strategy: Strategy, now: Date): Promise<Candidate[]> {
  const rows = await db.$queryRaw<Candidate[]>`
    SELECT a."id", a."handle", a."capacity", a."lastAssignedAt",
           (SELECT count(*)::int FROM "Ticket" t WHERE t."assigneeId" = a."id" AND t."status" IN ('new', 'open', 'pending')) AS "load",
           (${category}::text IS NULL OR cardinality(a."skills") = 0
             OR EXISTS (SELECT 1 FROM unnest(a."skills") s WHERE ${category}::text = s OR starts_with(${category}::text, s || '/'))) AS "covers"
    FROM "TeamMember" m JOIN "Agent" a ON a."id" = m."agentId"
    WHERE m."teamId" = ${teamId}::uuid AND a."active" AND a."availability" = 'online'
      AND NOT EXISTS (SELECT 1 FROM "AgentAbsence" x WHERE x."agentId" = a."id" AND x."from" <= ${now} AND x."to" > ${now})`;
  const free = rows.filter((r) => r.capacity === null || r.load < r.capacity);
  const turn = (a: Candidate, b: Candidate) => (a.lastAssignedAt?.getTime() ?? -Infinity) - (b.lastAssignedAt?.getTime() ?? -Infinity) || a.handle.localeCompare(b.handle);
  return free.sort(strategy === 'least-loaded' ? (a, b) => a.load - b.load || turn(a, b) : turn);
}

/** Open tickets assigned to an agent now (read under their agent lock for a capacity check). */
export async function openLoad(db: Prisma.TransactionClient | Db, agentId: string): Promise<number> {
  return db.ticket.count({ where: { assigneeId: agentId, status: { in: [...OPEN_STATUSES] } } });
}
