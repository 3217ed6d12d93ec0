/** Reassign on silence counts the desk's working hours, not the night (silenceDueAt, pure). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silenceDueAt } from '../../src/core/assignment/silence.js';
import { parseDeskConfig } from '../../src/core/deskConfig.js';

// The demo desk: team support reassigns after 30m; timers.calendar is the office, Mon–Fri 9–17 Moscow.
const demo = parseDeskConfig(readFileSync('config/desk.yaml', 'utf8'), 'config/desk.yaml');
const ticket = (assignedAt: string) => ({ status: 'open', assigneeId: 'a', assignedAt: new Date(assignedAt), team: 'support' });

describe('silenceDueAt in business hours', () => {
  it('runs 30 minutes of working time within the day', () => {
    // Monday 7 December 2026, 10:00 Moscow.
    expect(silenceDueAt(ticket('2026-12-07T07:00:00Z'), demo)).toEqual(new Date('2026-12-07T07:30:00Z'));
  });

  it('stands still overnight and over the weekend', () => {
    // Friday 16:50 Moscow: 10 minutes on Friday, 20 on Monday from 9:00.
    expect(silenceDueAt(ticket('2026-12-04T13:50:00Z'), demo)).toEqual(new Date('2026-12-07T06:20:00Z'));
    // Sunday evening: the clock starts on Monday at 9:00.
    expect(silenceDueAt(ticket('2026-12-06T18:49:00Z'), demo)).toEqual(new Date('2026-12-07T06:30:00Z'));
  });

  it('is wall-clock time on a desk without a calendar', () => {
    const always = { ...demo, timers: { ...demo.timers, calendar: undefined } };
    expect(silenceDueAt(ticket('2026-12-06T18:49:00Z'), always)).toEqual(new Date('2026-12-06T19:19:00Z'));
  });
});
