/** SLA policies and due times (pure): policy selection, the Friday example, holidays, pauses, breaches. */
import { describe, expect, it } from 'vitest';
import { loadDeskConfig, parseDeskConfig } from '../../src/core/deskConfig.js';
import { BusinessCalendar } from '../../src/core/sla/calendar.js';
import { dueAt, SlaClock, slaStatus } from '../../src/core/sla/policy.js';

/** Moscow is UTC+3 all year. */
const msk = (local: string) => new Date(`${local}+03:00`);

const clock = SlaClock.fromConfig(await loadDeskConfig('config/desk.yaml'));

describe('SlaClock from the sample desk configuration', () => {
  it('gives a normal ticket written on Friday at 15:00 a first response due on Monday at 10:00', () => {
    // 2025-11-21 is a Friday.
    const due = clock.dueTimes({ priority: 'normal', category: null, openedAt: msk('2025-11-21T15:00:00') });
    expect(due.firstResponseDueAt).toEqual(msk('2025-11-24T10:00:00'));
    // 24 business hours: Fri 2h + Mon 8h + Tue 8h + Wed 6h.
    expect(due.resolutionDueAt).toEqual(msk('2025-11-26T15:00:00'));
  });

  it('picks the policy by priority', () => {
    const openedAt = msk('2025-11-21T15:00:00');
    expect(clock.dueTimes({ priority: 'urgent', category: null, openedAt }).firstResponseDueAt).toEqual(msk('2025-11-21T16:00:00'));
    expect(clock.dueTimes({ priority: 'high', category: 'orders', openedAt }).firstResponseDueAt).toEqual(msk('2025-11-21T17:00:00'));
    expect(clock.dueTimes({ priority: 'low', category: null, openedAt }).firstResponseDueAt).toEqual(msk('2025-11-24T15:00:00'));
  });

  it('prefers a policy narrowed to the category or one of its ancestors', () => {
    const openedAt = msk('2025-11-21T15:00:00');
    expect(clock.policyFor('normal', 'delivery')?.name).toBe('normal/delivery');
    expect(clock.policyFor('normal', 'delivery/courier')?.name).toBe('normal/delivery');
    expect(clock.policyFor('normal', 'deliveryman')?.name).toBe('normal');
    expect(clock.policyFor('high', 'delivery')?.name).toBe('high');
    // The shop floor works 15:00-19:00 on Fridays: 2 hours run out at 17:00.
    expect(clock.dueTimes({ priority: 'normal', category: 'delivery', openedAt }).firstResponseDueAt).toEqual(msk('2025-11-21T17:00:00'));
  });

  it('skips yearly and one-off holidays', () => {
    // Wed 2025-12-31 15:00: 2h that day, then 1 and 2 January (yearly) and the weekend are off.
    const due = clock.dueTimes({ priority: 'normal', category: null, openedAt: msk('2025-12-31T15:00:00') });
    expect(due.firstResponseDueAt).toEqual(msk('2026-01-05T10:00:00'));
    // 2026-12-31 is a one-off holiday: a ticket from the evening before (Thursday) waits past 1 January (Friday) and the weekend until Monday 4 January 2027.
    const eve = clock.dueTimes({ priority: 'urgent', category: null, openedAt: msk('2026-12-30T18:00:00') });
    expect(eve.firstResponseDueAt).toEqual(msk('2027-01-04T10:00:00'));
  });

  it('gives no due times when no policy applies', () => {
    const bare = SlaClock.fromConfig(parseDeskConfig('sla:\n  - { priority: high, firstResponse: 1h, resolution: 1d }\n', 'desk.yaml'));
    expect(bare.dueTimes({ priority: 'normal', category: null, openedAt: new Date() })).toEqual({ firstResponseDueAt: null, resolutionDueAt: null });
    // Without a calendar the clock runs 24/7; 1d is 24 hours.
    const at = new Date('2025-11-22T10:00:00Z');
    expect(bare.dueTimes({ priority: 'high', category: null, openedAt: at })).toEqual({
      firstResponseDueAt: new Date('2025-11-22T11:00:00Z'),
      resolutionDueAt: new Date('2025-11-23T10:00:00Z'),
    });
    expect(SlaClock.none().policyFor('urgent', null)).toBeNull();
  });

  it('stops the clock while the ticket is pending', () => {
    const office = BusinessCalendar.parse({ name: 'office', timeZone: 'Europe/Moscow', hours: { mon: ['09:00-17:00'], fri: ['09:00-17:00'] } });
    const start = msk('2025-11-21T15:00:00');
    // Pending from Friday 16:00 to Monday 12:00: the 2 hours left then run from Monday 12:00.
    const pauses = [{ from: msk('2025-11-21T16:00:00'), to: msk('2025-11-24T12:00:00') }];
    expect(dueAt(office, start, 3 * 3_600_000, pauses)).toEqual(msk('2025-11-24T14:00:00'));
    // A pause that begins after the due time moves nothing.
    expect(dueAt(office, start, 3_600_000, pauses)).toEqual(msk('2025-11-21T16:00:00'));
    // Through the clock: same result.
    expect(clock.dueTimes({ priority: 'normal', category: null, openedAt: start }, pauses).firstResponseDueAt).toEqual(msk('2025-11-24T14:00:00'));
  });
});

describe('slaStatus', () => {
  const due = new Date('2025-11-24T07:00:00Z');
  const base = { status: 'open', firstResponseDueAt: due, resolutionDueAt: due, firstRespondedAt: null, resolvedAt: null };
  it('is breached when met late or unmet past the due time, paused while pending', () => {
    expect(slaStatus(base, new Date('2025-11-24T06:00:00Z'))).toEqual({ firstResponseBreached: false, resolutionBreached: false });
    expect(slaStatus(base, new Date('2025-11-24T08:00:00Z'))).toEqual({ firstResponseBreached: true, resolutionBreached: true });
    expect(slaStatus({ ...base, firstRespondedAt: new Date('2025-11-24T06:59:00Z') }, new Date('2025-11-25T00:00:00Z')).firstResponseBreached).toBe(false);
    expect(slaStatus({ ...base, resolvedAt: new Date('2025-11-24T07:00:01Z') }, new Date('2025-11-24T06:00:00Z')).resolutionBreached).toBe(true);
    expect(slaStatus({ ...base, status: 'pending' }, new Date('2025-11-30T00:00:00Z'))).toEqual({ firstResponseBreached: false, resolutionBreached: false });
    expect(slaStatus({ ...base, firstResponseDueAt: null, resolutionDueAt: null }, new Date('2030-01-01'))).toEqual({ firstResponseBreached: false, resolutionBreached: false });
  });
});
