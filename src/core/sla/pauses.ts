/**
 * When a ticket's SLA clock stood still, read from its audit trail (status changes record
 * `{ from, to }`, the bot's handoff and `botActive` changes say who has the ticket), so the clock
 * needs no column of its own. It stands still while the ticket is pending, and, when the KB bot
 * takes tickets, while the bot has it: people's clock starts when the bot hands the ticket over
 * (as the busy notice does), so a customer who read the bot's answer and left does not breach an
 * SLA nobody could meet.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import type { DueTimes, Pause, SlaClock, SlaTicket } from './policy.js';

/** The audit event types that start or end a pause. */
export const CLOCK_EVENT_TYPES = ['status_changed', 'reopened', 'bot.handoff', 'botActive_changed'];

/** Where a ticket's clock starts. */
export interface ClockStart {
  openedAt: Date;
  /** Who started the ticket: a customer's ticket begins with the bot, an agent's outreach with people. */
  origin: 'customer' | 'agent';
}

export interface PauseOptions {
  /** The bot takes tickets (src/app.ts `botHandles`): its periods stop the clock. */
  bot: boolean;
  /** The clock restarts now: a pause still running is closed here. Without it, it is left out. */
  until?: Date | undefined;
}

interface ClockEvent {
  type: string;
  data: unknown;
  createdAt: Date;
}

/** The periods the clock stood still in these audit events (oldest first, any type mixed in). */
export function pausesOf(events: readonly ClockEvent[], start: ClockStart, opts: PauseOptions): Pause[] {
  let status: unknown = 'new';
  let withBot = start.origin === 'customer';
  const stopped = () => status === 'pending' || (opts.bot && withBot && (status === 'new' || status === 'open'));
  const pauses: Pause[] = [];
  let since: Date | null = stopped() ? start.openedAt : null;
  for (const { type, data, createdAt } of events) {
    const change = (data ?? {}) as { to?: unknown };
    if (type === 'bot.handoff') withBot = false;
    else if (type === 'botActive_changed') withBot = change.to === true;
    else if (type === 'status_changed' || type === 'reopened') status = change.to;
    else continue;
    if (stopped()) since ??= createdAt;
    else if (since) {
      if (createdAt > since) pauses.push({ from: since, to: createdAt });
      since = null;
    }
  }
  if (since && opts.until && opts.until > since) pauses.push({ from: since, to: opts.until });
  return pauses;
}

/** The ticket's pauses, read from PostgreSQL. */
export async function clockPauses(tx: Prisma.TransactionClient, ticket: ClockStart & { id: string }, opts: PauseOptions): Promise<Pause[]> {
  const events = await tx.ticketEvent.findMany({
    where: { ticketId: ticket.id, type: { in: CLOCK_EVENT_TYPES } },
    orderBy: { seq: 'asc' },
    select: { type: true, data: true, createdAt: true },
  });
  return pausesOf(events, ticket, opts);
}

/** The columns to write for a ticket's unmet targets: their due times and the policy they now come from (met ones keep theirs). */
export type UnmetDueTimes = Partial<DueTimes> & { slaPolicy?: string | null };

/**
 * The unmet targets' due times, computed from scratch with these pauses; none while the bot holds
 * the ticket (`botHolds`): the clock has not started for people, and gets its due times at the handoff.
 */
export function unmetDueTimes(
  sla: SlaClock,
  t: SlaTicket & { firstRespondedAt: Date | null; resolvedAt: Date | null },
  pauses: readonly Pause[],
  botHolds: boolean,
): UnmetDueTimes {
  if (t.firstRespondedAt && t.resolvedAt) return {};
  const due = botHolds ? { firstResponseDueAt: null, resolutionDueAt: null } : sla.dueTimes(t, pauses);
  return {
    ...(t.firstRespondedAt ? {} : { firstResponseDueAt: due.firstResponseDueAt }),
    ...(t.resolvedAt ? {} : { resolutionDueAt: due.resolutionDueAt }),
    slaPolicy: sla.policyFor(t.priority, t.category)?.name ?? null,
  };
}

/** True when the bot has the ticket now and its clock stands still for it. */
export function botHolds(t: { botActive: boolean; status: string }, bot: boolean): boolean {
  return bot && t.botActive && (t.status === 'new' || t.status === 'open');
}

/**
 * The clock may run again now (the ticket left pending or was reopened, or people got it from the
 * bot): the unmet due times of the ticket as it now stands in this transaction, moved later by the
 * business time the clock stood still.
 */
export async function restartedDueTimes(tx: Prisma.TransactionClient, sla: SlaClock, ticketId: string, opts: { bot: boolean; now: Date }): Promise<UnmetDueTimes> {
  const t = await tx.ticket.findUniqueOrThrow({
    where: { id: ticketId },
    select: { id: true, origin: true, status: true, botActive: true, priority: true, category: true, openedAt: true, firstRespondedAt: true, resolvedAt: true },
  });
  return unmetDueTimes(sla, t, await clockPauses(tx, t, { bot: opts.bot, until: opts.now }), botHolds(t, opts.bot));
}
