import { describe, expect, it } from 'vitest';
import { snoozeUntil, tomorrowMorning } from '../../../src/desks/slack/snooze.js';

describe('Slack desk snooze choices', () => {
  it('tomorrow morning is 09:00 of the next local day in the desk zone', () => {
    // 23:30 in Moscow (UTC+3) on 2026-03-10 is 20:30 UTC: tomorrow is 03-11, 09:00 MSK = 06:00 UTC.
    expect(tomorrowMorning(new Date('2026-03-10T20:30:00Z'), 'Europe/Moscow').toISOString()).toBe('2026-03-11T06:00:00.000Z');
    // 00:30 MSK on 03-11 (21:30 UTC on 03-10): already 03-11 locally, so 03-12 09:00.
    expect(tomorrowMorning(new Date('2026-03-10T21:30:00Z'), 'Europe/Moscow').toISOString()).toBe('2026-03-12T06:00:00.000Z');
    // Across a DST change: Berlin goes to CEST on 2026-03-29, so 09:00 that day is 07:00 UTC.
    expect(tomorrowMorning(new Date('2026-03-28T12:00:00Z'), 'Europe/Berlin').toISOString()).toBe('2026-03-29T07:00:00.000Z');
  });

  it('1h and 4h count from now', () => {
    const now = new Date('2026-05-01T10:00:00Z');
    expect(snoozeUntil('1h', now, 'Europe/Moscow').toISOString()).toBe('2026-05-01T11:00:00.000Z');
    expect(snoozeUntil('4h', now, 'Europe/Moscow').toISOString()).toBe('2026-05-01T14:00:00.000Z');
    expect(snoozeUntil('tomorrow', now, 'Europe/Moscow').toISOString()).toBe('2026-05-02T06:00:00.000Z');
  });
});
