/** The timer planner (pure): which timers a ticket needs, and when, from its state alone. */
import { describe, expect, it } from 'vitest';
import { parseDeskConfig } from '../../src/core/deskConfig.js';
import { DeskSettings } from '../../src/core/deskSettings.js';
import { pendingRuleKind, planTimers, type PlanContext, type TimerTicket } from '../../src/core/timers/plan.js';

const H = 3_600_000;
const msk = (local: string) => new Date(`${local}+03:00`);

const settings = new DeskSettings(
  parseDeskConfig(
    `
calendars:
  always: { timeZone: UTC, hours: { mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"] } }
  office: { timeZone: Europe/Moscow, hours: { mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"] } }
sla:
  - { priority: normal, calendar: always, firstResponse: 4h, resolution: 8h }
  - { priority: high, calendar: office, firstResponse: 3h, resolution: 16h }
timers:
  slaWarning: 0.75
  busyAfter: 10m
  autoResolveAfter: 3d
  csatAfter: 5m
automation:
  - name: "Nudge: pending 2 days"
    when: pending
    for: 2d
    then: [{ addTags: [stale] }]
`,
    'plan.test',
  ),
);

const T0 = new Date('2026-11-23T10:00:00Z');
const noBot: PlanContext = { botHandles: false };
const withBot: PlanContext = { botHandles: true };

function ticket(patch: Partial<TimerTicket> = {}): TimerTicket {
  return {
    id: '00000000-0000-0000-0000-000000000001', number: 1001, conversationId: 'c', channel: 'api', status: 'new', priority: 'normal',
    category: null, line: 1, teamId: null, team: null, assigneeId: null, botActive: true, openedAt: T0, pendingUntil: null,
    firstResponseDueAt: new Date(T0.getTime() + 4 * H), resolutionDueAt: new Date(T0.getTime() + 8 * H), firstRespondedAt: null,
    resolvedAt: null, overdue: false, slaWarnedAt: null, slaBreachedAt: null, busyNotifiedAt: null, csatRequestedAt: null,
    assignedAt: null, lastCustomerMessageAt: T0, lastAgentReplyAt: null, mergedIntoId: null, pauses: { people: [], bot: [] }, pendingSince: null,
    handedOffAt: null, pendingRulesRun: [],
    ...patch,
  };
}

const at = (ms: number) => new Date(T0.getTime() + ms);
const kinds = (plan: ReturnType<typeof planTimers>) => Object.fromEntries(plan.map((p) => [p.kind, p.dueAt.toISOString()]));

describe('planTimers', () => {
  it('warns at 75 % and breaches at the due time of each unmet target, and tells people are busy', () => {
    expect(kinds(planTimers(ticket(), settings, T0, noBot))).toEqual({
      busy: at(H / 6).toISOString(),
      'warn.firstResponse': at(3 * H).toISOString(),
      'breach.firstResponse': at(4 * H).toISOString(),
      'warn.resolution': at(6 * H).toISOString(),
      'breach.resolution': at(8 * H).toISOString(),
    });
  });

  it('counts the warning in business hours, pending time left out', () => {
    // High in the office calendar: 3 business hours from Friday 15:00 is Monday 10:00; 75 % of it is Monday 09:15.
    const openedAt = msk('2025-11-21T15:00:00');
    const t = ticket({ priority: 'high', openedAt, firstResponseDueAt: msk('2025-11-24T10:00:00'), resolutionDueAt: null });
    expect(planTimers(t, settings, openedAt, noBot).find((p) => p.kind === 'warn.firstResponse')?.dueAt).toEqual(msk('2025-11-24T09:15:00'));
    // Pending on Friday 16:00-16:30: the warning moves by those 30 business minutes.
    const pending = [{ from: msk('2025-11-21T16:00:00'), to: msk('2025-11-21T16:30:00') }];
    const paused = { ...t, pauses: { people: pending, bot: pending }, firstResponseDueAt: msk('2025-11-24T10:30:00') };
    expect(planTimers(paused, settings, openedAt, noBot).find((p) => p.kind === 'warn.firstResponse')?.dueAt).toEqual(msk('2025-11-24T09:45:00'));
  });

  it('acts once per instant: marks at or after an instant drop its timer, a later (recomputed) instant warns again', () => {
    const warned = ticket({ slaWarnedAt: at(3 * H + 5) });
    expect(planTimers(warned, settings, at(3 * H + 10), noBot).map((p) => p.kind)).not.toContain('warn.firstResponse');
    // The resolution target still warns: its instant is after the mark.
    expect(planTimers(warned, settings, at(3 * H + 10), noBot).map((p) => p.kind)).toContain('warn.resolution');
    // The first-response due time moved later (a priority change): its new warning instant is after the old mark.
    const moved = { ...warned, firstResponseDueAt: at(8 * H), openedAt: at(4 * H), resolutionDueAt: at(12 * H) };
    expect(planTimers(moved, settings, at(3 * H + 10), noBot).find((p) => p.kind === 'warn.firstResponse')?.dueAt).toEqual(at(7 * H));
    const breached = ticket({ slaBreachedAt: at(4 * H) });
    expect(planTimers(breached, settings, at(4 * H), noBot).map((p) => p.kind)).not.toContain('breach.firstResponse');
  });

  it('after downtime plans the missed breach once, at its own instant, and no late warning', () => {
    const plan = planTimers(ticket(), settings, at(5 * H), noBot);
    expect(plan.filter((p) => p.kind === 'breach.firstResponse').map((p) => p.dueAt)).toEqual([at(4 * H)]);
    expect(plan.map((p) => p.kind)).not.toContain('warn.firstResponse');
  });

  it('plans no SLA timer for a met target, a pending ticket or a resolved one', () => {
    const answered = ticket({ firstRespondedAt: at(H), lastAgentReplyAt: at(H), botActive: false });
    expect(planTimers(answered, settings, at(H), noBot).map((p) => p.kind)).not.toContain('breach.firstResponse');
    const pending = ticket({ status: 'pending', pendingUntil: at(2 * H), pendingSince: at(H) });
    expect(kinds(planTimers(pending, settings, at(H), noBot))).toEqual({ wake: at(2 * H).toISOString(), [pendingRuleKind('Nudge: pending 2 days')]: at(49 * H).toISOString() });
    expect(planTimers(ticket({ status: 'resolved', resolvedAt: at(H) }), settings, at(H), noBot).map((p) => p.kind)).toEqual([]);
  });

  it('tells the customer people are busy from when people got the ticket, once, until an agent answered', () => {
    expect(planTimers(ticket(), settings, T0, withBot).map((p) => p.kind)).not.toContain('busy');
    const handedOff = ticket({ botActive: false, handedOffAt: at(H) });
    expect(planTimers(handedOff, settings, at(H), withBot).find((p) => p.kind === 'busy')?.dueAt).toEqual(at(H + H / 6));
    expect(planTimers({ ...handedOff, busyNotifiedAt: at(H) }, settings, at(H), withBot).map((p) => p.kind)).not.toContain('busy');
    expect(planTimers({ ...handedOff, lastAgentReplyAt: at(H), firstRespondedAt: at(H) }, settings, at(H), withBot).map((p) => p.kind)).not.toContain('busy');
    // A week-old ticket gets no "we are busy" at all.
    expect(planTimers(ticket(), settings, at(200 * H), noBot).map((p) => p.kind)).not.toContain('busy');
  });

  it('auto-resolves after the customer has not answered an agent, or a pending ticket without a wake-up', () => {
    const replied = ticket({ status: 'open', firstRespondedAt: at(H), lastAgentReplyAt: at(H) });
    expect(planTimers(replied, settings, at(H), noBot).find((p) => p.kind === 'autoResolve')?.dueAt).toEqual(at(73 * H));
    expect(planTimers({ ...replied, lastCustomerMessageAt: at(2 * H) }, settings, at(2 * H), noBot).map((p) => p.kind)).not.toContain('autoResolve');
    const waiting = ticket({ status: 'pending', pendingSince: at(2 * H), lastAgentReplyAt: at(H), firstRespondedAt: at(H) });
    expect(planTimers(waiting, settings, at(2 * H), noBot).find((p) => p.kind === 'autoResolve')?.dueAt).toEqual(at(74 * H));
    expect(planTimers({ ...waiting, pendingUntil: at(100 * H) }, settings, at(2 * H), noBot).map((p) => p.kind)).not.toContain('autoResolve');
  });

  it('asks for a rating once per resolution an agent worked on', () => {
    const resolved = ticket({ status: 'resolved', resolvedAt: at(H), firstRespondedAt: at(H / 2) });
    expect(planTimers(resolved, settings, at(H), noBot).map((p) => [p.kind, p.dueAt])).toEqual([['csat', at(H + 5 * 60_000)]]);
    expect(planTimers({ ...resolved, csatRequestedAt: at(H + 1) }, settings, at(H), noBot)).toEqual([]);
    // Reopened and resolved again: the earlier request is older than the new resolution.
    expect(planTimers({ ...resolved, csatRequestedAt: at(H / 2), status: 'closed' }, settings, at(H), noBot).map((p) => p.kind)).toEqual(['csat']);
    // A bot's deflection (no agent ever answered) is not rated.
    expect(planTimers({ ...resolved, firstRespondedAt: null }, settings, at(H), noBot)).toEqual([]);
  });

  it('runs a pending rule once per pending period, and plans nothing for a merged ticket', () => {
    const pending = ticket({ status: 'pending', pendingSince: at(H), pendingRulesRun: ['Nudge: pending 2 days'] });
    expect(planTimers(pending, settings, at(H), noBot).map((p) => p.kind)).toEqual(['autoResolve']);
    expect(planTimers(ticket({ mergedIntoId: 'x' }), settings, T0, noBot)).toEqual([]);
  });
});
