/**
 * The timer planner: which timers a ticket needs, and when, from its state in PostgreSQL alone
 * (the ticket row and its audit trail, see ./load.ts). Pure: the producer schedules what it
 * returns, the worker checks a firing timer against it again under the row lock, and the rebuild
 * after a Redis loss plans every ticket the same way, so all three always agree.
 *
 * Each timer acts once. Its mark on the ticket says it has acted: a timer is planned only while
 * its mark is older than its instant (`slaWarnedAt < warning instant`, `slaBreachedAt < due
 * time`, no `busyNotifiedAt`, `csatRequestedAt < resolvedAt`), and the worker sets the mark to the
 * moment it acts. So the first-response and resolution targets each warn once, a deadline moved
 * later (a priority change, a pending period) warns again, and a timer that fires late after
 * downtime acts once, however many instants it missed.
 */
import { createHash } from 'node:crypto';
import type { Channel, Priority, TicketStatus } from '../../generated/prisma/enums.js';
import type { DeskSettings } from '../deskSettings.js';
import type { SlaTarget } from '../events.js';
import { dueAt, type Pause } from '../sla/policy.js';

/** What a timer does when it fires. SLA timers name their target; no kind contains ":" (BullMQ job ids). */
export type TimerKind =
  | 'warn.firstResponse'
  | 'warn.resolution'
  | 'breach.firstResponse'
  | 'breach.resolution'
  | 'wake'
  | 'busy'
  | 'autoResolve'
  | 'csat'
  | 'silence'
  /** An automation rule `when: pending` + `for`, named by a hash of the rule's name (./plan.ts pendingRuleKind). */
  | `pending.${string}`;

export interface PlannedTimer {
  kind: TimerKind;
  dueAt: Date;
}

/** The ticket as timers see it: its row, plus facts from its audit trail. */
export interface TimerTicket {
  id: string;
  number: number;
  conversationId: string;
  channel: Channel;
  status: TicketStatus;
  priority: Priority;
  category: string | null;
  line: number;
  teamId: string | null;
  /** The team's name. */
  team: string | null;
  assigneeId: string | null;
  botActive: boolean;
  openedAt: Date;
  /** When people first got the ticket from the bot (a handoff, or a person taking it), if ever. */
  handedOffAt: Date | null;
  pendingUntil: Date | null;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  firstRespondedAt: Date | null;
  resolvedAt: Date | null;
  overdue: boolean;
  slaWarnedAt: Date | null;
  slaBreachedAt: Date | null;
  busyNotifiedAt: Date | null;
  csatRequestedAt: Date | null;
  assignedAt: Date | null;
  lastCustomerMessageAt: Date | null;
  lastAgentReplyAt: Date | null;
  mergedIntoId: string | null;
  /**
   * The finished periods the SLA clock stood still (./sla/pauses.ts): pending ones (`people`),
   * or, when the bot takes tickets, those and the bot's (`bot`).
   */
  pauses: { people: Pause[]; bot: Pause[] };
  /** When the current pending period began (null unless pending). */
  pendingSince: Date | null;
  /** The `pending` automation rules already run in the current pending period (audit `automation.pending`). */
  pendingRulesRun: string[];
}

export interface PlanContext {
  /** True while the KB bot takes new tickets: then a ticket reaches people at its handoff, else at creation. */
  botHandles: boolean;
  /**
   * When the assignee's silence is due (reassign on silence), or null. Comes from the assignment
   * part (src/core/assignment: silenceDueAt); without it no silence timer is planned.
   */
  silenceDueAt?: ((ticket: TimerTicket, settings: DeskSettings) => Date | null) | undefined;
}

/** Customer notices (busy, CSAT) whose instant is older than this are not sent at all: too late to make sense. */
export const STALE_NOTICE_MS = 7 * 24 * 3_600_000;

const TARGETS: readonly SlaTarget[] = ['firstResponse', 'resolution'];

/** Every timer the ticket needs now, soonest first; instants may be in the past (they fire at once). */
export function planTimers(t: TimerTicket, settings: DeskSettings, now: Date, ctx: PlanContext): PlannedTimer[] {
  if (t.mergedIntoId) return [];
  const timers: PlannedTimer[] = [];
  const add = (kind: TimerKind, at: Date | null) => {
    if (at) timers.push({ kind, dueAt: at });
  };
  const config = settings.current.timers;
  const live = t.status === 'new' || t.status === 'open';

  // SLA: while the clock runs (not pending, not done, not with the bot), each unmet target warns and breaches.
  if (live && !(ctx.botHandles && t.botActive)) {
    for (const target of TARGETS) {
      const due = slaDue(t, target);
      if (!due) continue;
      if (!after(t.slaBreachedAt, due)) add(`breach.${target}`, due);
      // Once the due time has passed the breach says it all: no late warning.
      const warn = warningAt(t, target, settings, ctx.botHandles);
      if (warn && due > now && !after(t.slaWarnedAt, warn)) add(`warn.${target}`, warn);
    }
  }

  if (t.status === 'pending' && t.pendingUntil) add('wake', t.pendingUntil);

  // "We are busy": people have the ticket, and no agent has answered within busyAfter.
  if (config.busyAfter !== undefined && live && !t.busyNotifiedAt && !t.firstRespondedAt && !t.lastAgentReplyAt) {
    const reached = !ctx.botHandles ? t.openedAt : t.botActive ? null : (t.handedOffAt ?? t.openedAt);
    const at = reached && plus(reached, config.busyAfter);
    if (at && now.getTime() - at.getTime() < STALE_NOTICE_MS) add('busy', at);
  }

  // Auto-resolve: the customer has not answered for autoResolveAfter.
  if (config.autoResolveAfter !== undefined) add('autoResolve', autoResolveAt(t, config.autoResolveAfter));

  // CSAT: some time after a resolution an agent worked on (a bot's deflection is not rated).
  if (config.csatAfter !== undefined && (t.status === 'resolved' || t.status === 'closed') && t.resolvedAt && t.firstRespondedAt && !after(t.csatRequestedAt, t.resolvedAt)) {
    const at = plus(t.resolvedAt, config.csatAfter);
    if (now.getTime() - at.getTime() < STALE_NOTICE_MS) add('csat', at);
  }

  if (live && t.assigneeId && ctx.silenceDueAt) add('silence', ctx.silenceDueAt(t, settings));

  // Automation "pending for …": once per rule and pending period (wall clock).
  if (t.status === 'pending' && t.pendingSince) {
    for (const rule of settings.current.automation) {
      if (rule.when === 'pending' && rule.for !== undefined && !t.pendingRulesRun.includes(rule.name)) add(pendingRuleKind(rule.name), plus(t.pendingSince, rule.for));
    }
  }

  return timers.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/** The timer kind of a `pending` automation rule: a hash of its name, since names may hold any character. */
export function pendingRuleKind(ruleName: string): `pending.${string}` {
  return `pending.${createHash('sha256').update(ruleName).digest('hex').slice(0, 16)}`;
}

/** The unmet target's due time, or null when it is met or has none. */
export function slaDue(t: TimerTicket, target: SlaTarget): Date | null {
  if (target === 'firstResponse') return t.firstRespondedAt ? null : t.firstResponseDueAt;
  return t.resolvedAt ? null : t.resolutionDueAt;
}

/**
 * The instant `timers.slaWarning` of the target has elapsed: that share of the target's business
 * time counted from openedAt in the policy's calendar, the clock's pauses excluded (as the due time
 * itself is computed). Never after the due time (a policy changed since it was computed).
 */
export function warningAt(t: TimerTicket, target: SlaTarget, settings: DeskSettings, botHandles: boolean): Date | null {
  const due = slaDue(t, target);
  const policy = settings.sla.policyFor(t.priority, t.category);
  if (!due || !policy) return null;
  const targetMs = target === 'firstResponse' ? policy.firstResponseMs : policy.resolutionMs;
  const warn = dueAt(policy.calendar, t.openedAt, Math.round(targetMs * settings.current.timers.slaWarning), botHandles ? t.pauses.bot : t.pauses.people);
  return warn < due ? warn : due;
}

/**
 * When the ticket resolves itself for want of a customer reply: a pending ticket waiting for the
 * customer (a snoozed one, with pendingUntil, wakes up instead), or an open one whose last public
 * word is an agent's, autoResolveAfter after that last word.
 */
function autoResolveAt(t: TimerTicket, afterMs: number): Date | null {
  if (t.status === 'pending' && !t.pendingUntil) {
    const since = latest(t.pendingSince, t.lastAgentReplyAt, t.lastCustomerMessageAt) ?? t.openedAt;
    return plus(since, afterMs);
  }
  if (t.status === 'open' && t.lastAgentReplyAt && !after(t.lastCustomerMessageAt, t.lastAgentReplyAt)) {
    return plus(t.lastAgentReplyAt, afterMs);
  }
  return null;
}

/** True when `mark` is set and not before `instant`: the timer of that instant has acted. */
function after(mark: Date | null, instant: Date): boolean {
  return mark !== null && mark >= instant;
}

function latest(...dates: Array<Date | null>): Date | null {
  let best: Date | null = null;
  for (const d of dates) if (d && (!best || d > best)) best = d;
  return best;
}

function plus(at: Date, ms: number): Date {
  return new Date(at.getTime() + ms);
}
