/**
 * Escalation, the one definition used by desks (Escalate button), SLA breaches and automation:
 * the next support line, one priority step up, and the team of that line when the desk has one
 * (the ticket then leaves its current assignee for that team's queue).
 */
import { PRIORITIES, type DeskConfig } from './deskConfig.js';
import type { Priority } from './sla/policy.js';
import { MAX_LINE, type TicketPatch } from './tickets.js';

export function escalationPatch(ticket: { line: number; priority: Priority }, config: Pick<DeskConfig, 'teams'>): TicketPatch {
  const line = Math.min(ticket.line + 1, MAX_LINE);
  const priority = PRIORITIES[Math.min(PRIORITIES.indexOf(ticket.priority) + 1, PRIORITIES.length - 1)]!;
  const team = line !== ticket.line ? config.teams.find((t) => t.line === line)?.name : undefined;
  return { line, priority, ...(team ? { team, assignee: null } : {}) };
}
