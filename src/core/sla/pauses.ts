/**
 * The periods a ticket spent pending, read from its audit trail (status changes record
 * `{ from, to }`), so the SLA clock can leave them out without a column of its own.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import type { Pause } from './policy.js';

/**
 * The ticket's pending periods, oldest first. A period still running is closed at `until`
 * when given (the ticket is leaving pending now), and left out otherwise.
 */
export async function pendingPauses(tx: Prisma.TransactionClient, ticketId: string, until?: Date): Promise<Pause[]> {
  const events = await tx.ticketEvent.findMany({
    where: { ticketId, type: { in: PAUSE_EVENT_TYPES } },
    orderBy: { seq: 'asc' },
    select: { data: true, createdAt: true },
  });
  return pausesOf(events, until);
}

/** The audit event types status changes are recorded under. */
export const PAUSE_EVENT_TYPES = ['status_changed', 'reopened'];

/** The pending periods in a ticket's status-change events (oldest first), as `pendingPauses` reads them. */
export function pausesOf(events: ReadonlyArray<{ data: unknown; createdAt: Date }>, until?: Date): Pause[] {
  const pauses: Pause[] = [];
  let since: Date | null = null;
  for (const { data, createdAt } of events) {
    const change = (data ?? {}) as { from?: unknown; to?: unknown };
    if (change.to === 'pending' && change.from !== 'pending') since = createdAt;
    else if (change.from === 'pending' && change.to !== 'pending' && since) {
      pauses.push({ from: since, to: createdAt });
      since = null;
    }
  }
  if (since && until && until > since) pauses.push({ from: since, to: until });
  return pauses;
}
