/**
 * SLA policies and due times: which policy applies to a ticket (by priority, optionally
 * narrowed by category) and when its first response and resolution are due, in the policy's
 * business calendar. Pure: the desk configuration comes in, dates come out.
 *
 * Clock rules: the clock starts when the customer wrote (the ticket's openedAt); time spent
 * pending does not count; a target's due time is recomputed from scratch (openedAt, the
 * current policy, the pending periods so far) whenever the priority or category changes or
 * the ticket leaves pending.
 */
import type { DeskConfig, SlaPolicyConfig } from '../deskConfig.js';
import { BusinessCalendar } from './calendar.js';

export type Priority = SlaPolicyConfig['priority'];

/** A policy resolved against its calendar. */
export interface SlaPolicy {
  /** "normal" or "normal/delivery": names the policy in logs and the API. */
  name: string;
  priority: Priority;
  category: string | null;
  calendar: BusinessCalendar;
  firstResponseMs: number;
  resolutionMs: number;
}

export interface DueTimes {
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
}

/** A [from, to) period during which the clock stood still (the ticket was pending). */
export interface Pause {
  from: Date;
  to: Date;
}

export interface SlaTicket {
  priority: Priority;
  category: string | null;
  /** When the customer wrote: the clock starts here. */
  openedAt: Date;
}

const NO_DUE: DueTimes = { firstResponseDueAt: null, resolutionDueAt: null };

/** The desk's SLA policies; the core gets one from app.ts and never reads the YAML itself. */
export class SlaClock {
  private constructor(private readonly policies: readonly SlaPolicy[]) {}

  /** Builds the policies of a validated desk configuration. */
  static fromConfig(desk: DeskConfig): SlaClock {
    const calendars = new Map<string, BusinessCalendar>();
    for (const [name, spec] of Object.entries(desk.calendars ?? {})) calendars.set(name, BusinessCalendar.parse({ name, ...spec }));
    const always = BusinessCalendar.always();
    const policies = (desk.sla ?? []).map((p): SlaPolicy => {
      const calendar = p.calendar === undefined ? always : calendars.get(p.calendar);
      if (!calendar) throw new Error(`SLA policy for "${p.priority}" names unknown calendar "${p.calendar}"`);
      return {
        name: p.category ? `${p.priority}/${p.category}` : p.priority,
        priority: p.priority,
        category: p.category ?? null,
        calendar,
        firstResponseMs: p.firstResponse,
        resolutionMs: p.resolution,
      };
    });
    return new SlaClock(policies);
  }

  /** No policies: tickets get no due times. */
  static none(): SlaClock {
    return new SlaClock([]);
  }

  /**
   * The policy for a priority and category: the one narrowed to the longest category path that
   * is the ticket's category or one of its ancestors ("support" covers "support/printers"),
   * else the priority's policy without a category, else null.
   */
  policyFor(priority: Priority, category: string | null): SlaPolicy | null {
    let best: SlaPolicy | null = null;
    for (const p of this.policies) {
      if (p.priority !== priority) continue;
      if (p.category !== null && !(category !== null && (category === p.category || category.startsWith(`${p.category}/`)))) continue;
      if (!best || (p.category?.length ?? -1) > (best.category?.length ?? -1)) best = p;
    }
    return best;
  }

  /** Both due times of a ticket, with the clock stopped during `pauses`; nulls when no policy applies. */
  dueTimes(ticket: SlaTicket, pauses: readonly Pause[] = []): DueTimes {
    const policy = this.policyFor(ticket.priority, ticket.category);
    if (!policy) return NO_DUE;
    return {
      firstResponseDueAt: dueAt(policy.calendar, ticket.openedAt, policy.firstResponseMs, pauses),
      resolutionDueAt: dueAt(policy.calendar, ticket.openedAt, policy.resolutionMs, pauses),
    };
  }
}

/**
 * The instant at which `targetMs` of business time has run since `start`, the clock standing
 * still during `pauses`. A pause that begins at or after the due time moves nothing: the
 * target was already missed (or met) by then.
 */
export function dueAt(calendar: BusinessCalendar, start: Date, targetMs: number, pauses: readonly Pause[] = []): Date {
  let due = calendar.add(start, targetMs);
  const sorted = [...pauses].filter((p) => p.to > p.from).sort((a, b) => a.from.getTime() - b.from.getTime());
  for (const pause of sorted) {
    if (pause.from >= due) break;
    const from = pause.from > start ? pause.from : start;
    if (pause.to <= from) continue;
    // What was left of the target when the pause began runs again once it ends.
    due = calendar.add(pause.to, calendar.between(from, due));
  }
  return due;
}

/** Whether each target is breached: met late, or unmet and past due. Unmet targets of a pending ticket are paused, not breached. */
export function slaStatus(
  t: { status: string; firstResponseDueAt: Date | null; resolutionDueAt: Date | null; firstRespondedAt: Date | null; resolvedAt: Date | null },
  now = new Date(),
): { firstResponseBreached: boolean; resolutionBreached: boolean } {
  const breached = (due: Date | null, metAt: Date | null): boolean => {
    if (!due) return false;
    if (metAt) return metAt > due;
    return t.status !== 'pending' && now > due;
  };
  return { firstResponseBreached: breached(t.firstResponseDueAt, t.firstRespondedAt), resolutionBreached: breached(t.resolutionDueAt, t.resolvedAt) };
}
