/**
 * The per-ticket counts the reports read for deflection and handoff (src/reports/metrics.ts):
 * `Ticket.humanMessages` (agents' replies and internal notes), `deflectedTurns` and
 * `handoffTurns` (the bot's turns of those actions). PostgreSQL keeps them itself: row triggers on
 * "Message" and "BotTurn" (migration 20261206023000_report_counts) add and subtract one in the
 * transaction that writes the row, so they are exact whoever writes, and two app instances can
 * never count one message twice. Nothing in the app writes them.
 *
 * `rebuildTicketCounts` recomputes them from the messages and bot turns: after a bulk load with
 * triggers off (the reports benchmark), or to check them (the report tests).
 */
import type { Db } from '../db/prisma.js';
import { Prisma } from '../generated/prisma/client.js';

/** The counts as they should be, one row per ticket (the same statement as the migration's backfill). */
export const EXPECTED_COUNTS = Prisma.sql`
  SELECT t2."id",
         COALESCE(m."n", 0) AS "humanMessages",
         COALESCE(b."deflected", 0) AS "deflectedTurns",
         COALESCE(b."handoff", 0) AS "handoffTurns"
    FROM "Ticket" t2
    LEFT JOIN (SELECT "ticketId", count(*)::int AS "n" FROM "Message" WHERE "authorKind" IN ('agent', 'note') GROUP BY 1) m ON m."ticketId" = t2."id"
    LEFT JOIN (SELECT "ticketId", (count(*) FILTER (WHERE "action" = 'deflected'))::int AS "deflected", (count(*) FILTER (WHERE "action" = 'handoff'))::int AS "handoff"
                 FROM "BotTurn" GROUP BY 1) b ON b."ticketId" = t2."id"`;

/**
 * Recomputes every ticket's counts from its messages and bot turns; returns how many tickets
 * were wrong. The tables are locked against writers meanwhile (readers go on), so no message
 * written during the rebuild is lost or counted twice.
 */
export async function rebuildTicketCounts(db: Db): Promise<number> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`LOCK TABLE "Ticket", "Message", "BotTurn" IN EXCLUSIVE MODE`;
      return tx.$executeRaw`
        UPDATE "Ticket" t
           SET "humanMessages" = c."humanMessages", "deflectedTurns" = c."deflectedTurns", "handoffTurns" = c."handoffTurns"
          FROM (${EXPECTED_COUNTS}) c
         WHERE c."id" = t."id"
           AND (t."humanMessages", t."deflectedTurns", t."handoffTurns") IS DISTINCT FROM (c."humanMessages", c."deflectedTurns", c."handoffTurns")`;
    },
    { timeout: 600_000 },
  );
}
