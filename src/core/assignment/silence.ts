/**
 * Reassign on silence: an assignee who has not replied publicly within their team's
 * `reassignAfter` (business time in `timers.calendar`, wall clock without one, from
 * Ticket.assignedAt) loses the ticket to the next eligible
 * agent of the team, or to the queue when there is none (or the team is a pool). The timers
 * schedule `reassignIfSilent` at `silenceDueAt`; it checks everything again under the ticket's
 * lock, so a late, early or repeated call does nothing wrong.
 */
import { audit } from '../audit.js';
import type { DeskConfig } from '../deskConfig.js';
import type { DeskSettings } from '../deskSettings.js';
import type { Actor, EventBus, TicketRef } from '../events.js';
import { retryingChoice, type Assigner, type AssignmentDeps } from './assigner.js';
import { QUEUED_STATUSES } from './eligibility.js';
import { desksCalendar } from '../timers/notices.js';

export const SILENCE_ACTOR: Actor = { kind: 'system', name: 'reassign-on-silence' };

/** What silenceDueAt needs of a ticket. */
export interface SilenceTicket {
  status: string;
  assigneeId: string | null;
  assignedAt: Date | null;
  /** The last public reply of an agent (Ticket.lastAgentReplyAt). */
  lastAgentReplyAt?: Date | null;
  /** The ticket's team name. */
  team: string | null;
}

/**
 * Pure: when the assignee's silence runs out (assignedAt + the team's `reassignAfter`, in business
 * time), or null
 * when it cannot: nobody assigned, the ticket not new or open, no limit for the team, or an
 * agent already replied since the assignment.
 */
export function silenceDueAt(ticket: SilenceTicket, settings: DeskSettings | DeskConfig): Date | null {
  const config = 'current' in settings ? settings.current : settings;
  if (!ticket.assigneeId || !ticket.assignedAt || !ticket.team) return null;
  if (!(QUEUED_STATUSES as readonly string[]).includes(ticket.status)) return null;
  if (ticket.lastAgentReplyAt && ticket.lastAgentReplyAt >= ticket.assignedAt) return null;
  const after = config.teams.find((t) => t.name === ticket.team)?.reassignAfter;
  if (after === undefined) return null;
  // Counted in the desk's hours: at night nobody is silent, and passing a ticket between agents who
  // are all off would only tell the customer a new name every half hour.
  const calendar = desksCalendar(config);
  return calendar ? calendar.add(ticket.assignedAt, after) : new Date(ticket.assignedAt.getTime() + after);
}

export type ReassignResult =
  | { outcome: 'reassigned'; fromAgentId: string; toAgentId: string | null }
  | { outcome: 'unchanged' };

/**
 * Takes the ticket from a silent assignee, if it is time (see silenceDueAt): audited as
 * `reassigned`, and announced as `ticket.reassigned` so desks can tell the old assignee.
 */
export async function reassignIfSilent(
  deps: Pick<AssignmentDeps, 'db' | 'tickets' | 'settings'> & { assigner: Assigner; events: EventBus },
  ticketId: string,
  now = new Date(),
): Promise<ReassignResult> {
  const row = await deps.db.ticket.findUnique({ where: { id: ticketId }, select: { number: true } });
  if (!row) return { outcome: 'unchanged' };
  return retryingChoice(async () => {
    let result = { outcome: 'unchanged' } as ReassignResult;
    let ref: TicketRef | null = null;
    await deps.tickets.update(row.number, {}, SILENCE_ACTOR, {
      chooseAssignee: async (tx, t) => {
        const team = t.teamId ? await tx.team.findUnique({ where: { id: t.teamId }, select: { name: true } }) : null;
        const { lastAgentReplyAt } = await tx.ticket.findUniqueOrThrow({ where: { id: t.id }, select: { lastAgentReplyAt: true } });
        const due = silenceDueAt({ ...t, lastAgentReplyAt, team: team?.name ?? null }, deps.settings);
        if (!due || now < due || !t.assigneeId || !t.teamId) return undefined;
        const strategy = deps.assigner.strategyOf(team);
        const next = strategy === 'pool' ? null : await deps.assigner.pickMember(tx, { teamId: t.teamId, category: t.category }, strategy, now, t.assigneeId);
        const from = await tx.agent.findUnique({ where: { id: t.assigneeId }, select: { handle: true } });
        await audit(tx, t.id, 'reassigned', SILENCE_ACTOR, { reason: 'silence', from: from?.handle ?? null, to: next?.handle ?? null, assignedAt: t.assignedAt });
        result = { outcome: 'reassigned', fromAgentId: t.assigneeId, toAgentId: next?.id ?? null };
        ref = { ticketId: t.id, ticketNumber: t.number, conversationId: t.conversationId, channel: t.channel };
        return next ? { id: next.id } : null;
      },
    });
    const announced = ref as TicketRef | null;
    if (result.outcome === 'reassigned' && announced) {
      deps.events.publish('ticket.reassigned', { ...announced, fromAgentId: result.fromAgentId, toAgentId: result.toAgentId, reason: 'silence' });
    }
    return result;
  });
}
