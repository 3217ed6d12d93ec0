/**
 * Escalation, the one definition used by desks (Escalate button), SLA breaches and automation:
 * the next support line, one priority step up, and the team of that line when the desk has one
 * (the ticket then leaves its current assignee for that team's queue).
 */
import { PRIORITIES, type DeskConfig } from './deskConfig.js';
import type { Priority } from './sla/policy.js';
import { MAX_LINE, type TicketPatch } from './tickets.js';

/**
 * The highest line a ticket can be escalated to: the highest line a team works on, when the desk
 * has teams (a line without a team would be a queue nobody reads), else MAX_LINE.
 */
export function topLine(config: Pick<DeskConfig, 'teams'>): number {
  return config.teams.length ? Math.min(MAX_LINE, Math.max(...config.teams.map((t) => t.line))) : MAX_LINE;
}

export function escalationPatch(ticket: { line: number; priority: Priority }, config: Pick<DeskConfig, 'teams'>): TicketPatch {
  // A ticket already above the top line (the teams changed since) stays where it is.
  const line = Math.max(ticket.line, Math.min(ticket.line + 1, topLine(config)));
  const priority = PRIORITIES[Math.min(PRIORITIES.indexOf(ticket.priority) + 1, PRIORITIES.length - 1)]!;
  const team = line !== ticket.line ? config.teams.find((t) => t.line === line)?.name : undefined;
  return { line, priority, ...(team ? { team, assignee: null } : {}) };
}
