import { describe, expect, it } from 'vitest';
import { BusinessCalendar, type CalendarSpec } from '../../src/core/sla/calendar.js';
import { mulberry32 } from '../../scripts/lib/prng.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

const at = (iso: string): Date => new Date(iso);

/** Wall clock of `date` in `timeZone` as "YYYY-MM-DD HH:MM" — computed independently of the code under test. */
function wall(date: Date, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const weekdays = (intervals: string[]): CalendarSpec['hours'] => ({
  mon: intervals,
  tue: intervals,
  wed: intervals,
  thu: intervals,
  fri: intervals,
});
const everyDay = (intervals: string[]): CalendarSpec['hours'] => ({
  ...weekdays(intervals),
  sat: intervals,
  sun: intervals,
});

const officeIn = (timeZone: string, holidays?: string[]): BusinessCalendar =>
  BusinessCalendar.parse({ name: `office ${timeZone}`, timeZone, hours: weekdays(['09:00-17:00']), holidays });

describe('seed example: medium priority = 3 business hours', () => {
  it('Friday 15:00 Moscow → Monday 10:00 Moscow', () => {
    const cal = officeIn('Europe/Moscow');
    const created = at('2026-01-16T12:00:00Z'); // Fri 15:00 MSK
    expect(wall(created, 'Europe/Moscow')).toBe('2026-01-16 15:00');
    const due = cal.add(created, 3 * HOUR);
    expect(due).toEqual(at('2026-01-19T07:00:00Z'));
    expect(wall(due, 'Europe/Moscow')).toBe('2026-01-19 10:00');
    expect(cal.between(created, due)).toBe(3 * HOUR);
  });

  it('Friday 15:00 UTC → Monday 10:00 UTC', () => {
    const cal = officeIn('UTC');
    expect(cal.add(at('2026-01-16T15:00:00Z'), 3 * HOUR)).toEqual(at('2026-01-19T10:00:00Z'));
  });

  it('30 business days walk whole days and land on a closing edge', () => {
    const cal = officeIn('UTC');
    // 30 × 8h from Monday opening = the 30th business day's closing time, six weeks later.
    expect(cal.add(at('2026-01-19T09:00:00Z'), 30 * 8 * HOUR)).toEqual(at('2026-02-27T17:00:00Z'));
  });
});

describe('split shifts 09:00-13:00, 14:00-18:00', () => {
  const cal = BusinessCalendar.parse({
    name: 'split',
    timeZone: 'UTC',
    hours: weekdays(['14:00-18:00', '09:00-13:00']), // order in the spec does not matter
  });
  const monday = (hhmm: string) => at(`2026-01-19T${hhmm}:00Z`);

  it('5h from Monday 12:00 = 1h before lunch + 4h after = Monday 18:00 (closing edge, not Tuesday 09:00)', () => {
    expect(cal.add(monday('12:00'), 5 * HOUR)).toEqual(monday('18:00'));
  });
  it('one more millisecond rolls over to Tuesday', () => {
    expect(cal.add(monday('12:00'), 5 * HOUR + 1)).toEqual(at('2026-01-20T09:00:00.001Z'));
    expect(cal.add(monday('12:00'), 6 * HOUR)).toEqual(at('2026-01-20T10:00:00Z'));
  });
  it('a ticket created during lunch starts counting at 14:00', () => {
    expect(cal.isOpen(monday('13:30'))).toBe(false);
    expect(cal.nextOpening(monday('13:30'))).toEqual(monday('14:00'));
    expect(cal.add(monday('13:30'), HOUR)).toEqual(monday('15:00'));
  });
  it('between skips the lunch break and the night', () => {
    expect(cal.between(monday('08:00'), monday('20:00'))).toBe(8 * HOUR);
    expect(cal.between(monday('12:00'), at('2026-01-20T10:00:00Z'))).toBe(6 * HOUR);
    expect(cal.between(monday('12:00'), monday('12:00'))).toBe(0);
    expect(cal.between(monday('15:00'), monday('12:00'))).toBe(0);
  });
  it('opening is open, closing is closed', () => {
    expect(cal.isOpen(monday('09:00'))).toBe(true);
    expect(cal.isOpen(at('2026-01-19T12:59:59.999Z'))).toBe(true);
    expect(cal.isOpen(monday('13:00'))).toBe(false);
    expect(cal.isOpen(monday('18:00'))).toBe(false);
  });
  it('touching intervals are merged into one', () => {
    const touching = BusinessCalendar.parse({ name: 't', timeZone: 'UTC', hours: { mon: ['09:00-13:00', '13:00-17:00'] } });
    expect(touching.isOpen(monday('13:00'))).toBe(true);
    expect(touching.between(monday('00:00'), monday('23:00'))).toBe(8 * HOUR);
  });
});

describe('holidays', () => {
  it('one-off holiday skips the whole day', () => {
    const cal = officeIn('Europe/Moscow', ['2026-01-19']);
    expect(wall(cal.add(at('2026-01-16T12:00:00Z'), 3 * HOUR), 'Europe/Moscow')).toBe('2026-01-20 10:00');
    expect(cal.isOpen(at('2026-01-19T09:00:00Z'))).toBe(false);
  });

  it('yearly holiday across the year boundary: Dec 31 → Jan 2 with 01-01 off', () => {
    const cal = officeIn('UTC', ['01-01']);
    // Wed 2025-12-31 16:00 + 3h = 1h on Dec 31 + (Jan 1 off) + 2h on Fri Jan 2.
    expect(cal.add(at('2025-12-31T16:00:00Z'), 3 * HOUR)).toEqual(at('2026-01-02T11:00:00Z'));
    // It recurs: Thu 2026-12-31 → Fri 2027-01-01 is off → weekend → Mon 2027-01-04.
    expect(cal.add(at('2026-12-31T16:00:00Z'), 3 * HOUR)).toEqual(at('2027-01-04T11:00:00Z'));
    expect(cal.between(at('2025-12-31T00:00:00Z'), at('2026-01-03T00:00:00Z'))).toBe(16 * HOUR);
  });

  it('one-off and yearly holidays combine', () => {
    const cal = officeIn('UTC', ['01-01', '2026-01-02']);
    expect(cal.add(at('2025-12-31T16:00:00Z'), 3 * HOUR)).toEqual(at('2026-01-05T11:00:00Z'));
  });

  it('holidays are local days in the calendar zone, not UTC days', () => {
    const cal = BusinessCalendar.parse({ name: 'tokyo', timeZone: 'Asia/Tokyo', hours: everyDay(['00:00-24:00']), holidays: ['01-01'] });
    // Jan 1 in Tokyo (UTC+9) = 2025-12-31T15:00Z .. 2026-01-01T15:00Z.
    expect(cal.isOpen(at('2025-12-31T14:59:59Z'))).toBe(true);
    expect(cal.isOpen(at('2025-12-31T16:00:00Z'))).toBe(false);
    expect(cal.nextOpening(at('2025-12-31T16:00:00Z'))).toEqual(at('2026-01-01T15:00:00Z'));
    expect(cal.between(at('2025-12-31T12:00:00Z'), at('2026-01-01T18:00:00Z'))).toBe(6 * HOUR);
  });

  it('02-29 is accepted and applies in leap years only', () => {
    const cal = BusinessCalendar.parse({ name: 'leap', timeZone: 'UTC', hours: everyDay(['00:00-24:00']), holidays: ['02-29'] });
    expect(cal.isOpen(at('2028-02-29T12:00:00Z'))).toBe(false);
    expect(cal.isOpen(at('2027-03-01T12:00:00Z'))).toBe(true);
  });
});

describe('outside hours', () => {
  const cal = officeIn('Europe/Moscow');
  const saturday = at('2026-01-17T07:00:00Z'); // Sat 10:00 MSK

  it('a ticket created on Saturday starts counting at Monday opening', () => {
    expect(cal.isOpen(saturday)).toBe(false);
    expect(wall(cal.nextOpening(saturday), 'Europe/Moscow')).toBe('2026-01-19 09:00');
    expect(wall(cal.add(saturday, 3 * HOUR), 'Europe/Moscow')).toBe('2026-01-19 12:00');
    expect(cal.between(saturday, at('2026-01-19T07:00:00Z'))).toBe(HOUR);
  });
  it('a zero duration means "at the next opening"', () => {
    expect(cal.add(saturday, 0)).toEqual(cal.nextOpening(saturday));
    const open = at('2026-01-19T08:00:00Z');
    expect(cal.add(open, 0)).toEqual(open);
    expect(cal.nextOpening(open)).toEqual(open);
  });
  it('at the closing instant the next opening is the next day', () => {
    expect(wall(cal.nextOpening(at('2026-01-19T14:00:00Z')), 'Europe/Moscow')).toBe('2026-01-20 09:00');
  });
});

describe('24/7', () => {
  it('always() is open all the time and business time equals elapsed time', () => {
    const cal = BusinessCalendar.always();
    const t = at('2026-03-29T00:30:00Z');
    expect(cal.isOpen(t)).toBe(true);
    expect(cal.add(t, 3 * DAY + 5)).toEqual(new Date(t.getTime() + 3 * DAY + 5));
    expect(cal.between(t, at('2026-04-29T00:30:00Z'))).toBe(31 * DAY);
    expect(cal.name).toBe('24/7');
  });
});

describe('DST', () => {
  const berlin247 = BusinessCalendar.parse({ name: 'berlin 24/7', timeZone: 'Europe/Berlin', hours: everyDay(['00:00-24:00']) });
  const ny247 = BusinessCalendar.parse({ name: 'ny 24/7', timeZone: 'America/New_York', hours: everyDay(['00:00-24:00']) });

  it('24/7 Berlin: the spring-forward night is an hour short (2026-03-29)', () => {
    // Sat 12:00 CET → Sun 12:00 CEST is 24h on the wall clock but 23h elapsed.
    expect(berlin247.between(at('2026-03-28T11:00:00Z'), at('2026-03-29T10:00:00Z'))).toBe(23 * HOUR);
    const due = berlin247.add(at('2026-03-28T11:00:00Z'), 24 * HOUR);
    expect(due).toEqual(at('2026-03-29T11:00:00Z'));
    expect(wall(due, 'Europe/Berlin')).toBe('2026-03-29 13:00');
  });

  it('24/7 Berlin: the fall-back night is an hour long (2026-10-25)', () => {
    expect(berlin247.between(at('2026-10-24T10:00:00Z'), at('2026-10-25T11:00:00Z'))).toBe(25 * HOUR);
    // The whole local day of Oct 25 has 25 hours.
    expect(berlin247.between(at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'))).toBe(25 * HOUR);
    expect(wall(berlin247.add(at('2026-10-24T10:00:00Z'), 24 * HOUR), 'Europe/Berlin')).toBe('2026-10-25 11:00');
  });

  it('24/7 New York across both 2026 changes', () => {
    expect(ny247.between(at('2026-03-08T05:00:00Z'), at('2026-03-09T04:00:00Z'))).toBe(23 * HOUR); // Mar 8 local day
    expect(ny247.between(at('2026-11-01T04:00:00Z'), at('2026-11-02T05:00:00Z'))).toBe(25 * HOUR); // Nov 1 local day
    const due = ny247.add(at('2026-10-31T16:00:00Z'), 24 * HOUR); // Sat 12:00 EDT + 24h
    expect(wall(due, 'America/New_York')).toBe('2026-11-01 11:00');
  });

  it('office hours over a DST weekend count local hours (Berlin and New York)', () => {
    const berlin = officeIn('Europe/Berlin');
    expect(wall(berlin.add(at('2026-03-27T14:00:00Z'), 3 * HOUR), 'Europe/Berlin')).toBe('2026-03-30 10:00');
    expect(wall(berlin.add(at('2026-10-23T13:00:00Z'), 3 * HOUR), 'Europe/Berlin')).toBe('2026-10-26 10:00');
    const ny = officeIn('America/New_York');
    expect(ny.add(at('2026-03-06T20:00:00Z'), 3 * HOUR)).toEqual(at('2026-03-09T14:00:00Z'));
    expect(ny.add(at('2026-10-30T19:00:00Z'), 3 * HOUR)).toEqual(at('2026-11-02T15:00:00Z'));
  });

  it('a night shift 01:00-04:00 lasts 2h on spring-forward and 4h on fall-back Sunday', () => {
    const night = BusinessCalendar.parse({ name: 'night', timeZone: 'Europe/Berlin', hours: { sun: ['01:00-04:00'] } });
    expect(night.between(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toBe(2 * HOUR);
    expect(night.between(at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(4 * HOUR);
    // 3h from opening on fall-back Sunday ends at 03:00 CET, after passing 02:00-03:00 twice.
    expect(wall(night.add(at('2026-10-24T23:00:00Z'), 3 * HOUR), 'Europe/Berlin')).toBe('2026-10-25 03:00');
  });

  it('an opening time inside the spring-forward gap opens when the clock jumps (03:00), not at 03:30', () => {
    const cal = BusinessCalendar.parse({ name: 'gap', timeZone: 'Europe/Berlin', hours: { sun: ['02:30-05:00'] } });
    const opening = cal.nextOpening(at('2026-03-28T12:00:00Z'));
    expect(opening).toEqual(at('2026-03-29T01:00:00Z'));
    expect(wall(opening, 'Europe/Berlin')).toBe('2026-03-29 03:00');
    expect(cal.between(at('2026-03-29T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toBe(2 * HOUR);
  });

  it('an ambiguous opening time takes the earlier instant and stays open through the repeat', () => {
    const cal = BusinessCalendar.parse({ name: 'ambiguous', timeZone: 'Europe/Berlin', hours: { sun: ['02:30-05:00'] } });
    expect(cal.nextOpening(at('2026-10-24T12:00:00Z'))).toEqual(at('2026-10-25T00:30:00Z')); // 02:30 CEST
    expect(cal.isOpen(at('2026-10-25T01:15:00Z'))).toBe(true); // 02:15 CET, the second time round
    expect(cal.between(at('2026-10-25T00:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(3.5 * HOUR);
  });

  it('zones that change clocks at midnight (America/Santiago, 2026)', () => {
    const sat = BusinessCalendar.parse({ name: 'sat', timeZone: 'America/Santiago', hours: { sat: ['00:00-24:00'] } });
    const sun = BusinessCalendar.parse({ name: 'sun', timeZone: 'America/Santiago', hours: { sun: ['00:00-24:00'] } });
    // Apr 4: Sat 24:00 -03 turns back to Sat 23:00 -04, so Saturday has 25 hours.
    expect(sat.between(at('2026-04-01T00:00:00Z'), at('2026-04-08T00:00:00Z'))).toBe(25 * HOUR);
    // Sep 6: Sun 00:00 -04 jumps to 01:00 -03; Saturday ends and Sunday begins at that jump.
    expect(sat.between(at('2026-09-02T00:00:00Z'), at('2026-09-09T00:00:00Z'))).toBe(24 * HOUR);
    expect(sun.between(at('2026-09-02T00:00:00Z'), at('2026-09-09T00:00:00Z'))).toBe(23 * HOUR);
    const opening = sun.nextOpening(at('2026-09-05T12:00:00Z'));
    expect(opening).toEqual(at('2026-09-06T04:00:00Z'));
    expect(wall(opening, 'America/Santiago')).toBe('2026-09-06 01:00');
  });

  it('an interval wholly inside the gap does not exist that day', () => {
    const cal = BusinessCalendar.parse({ name: 'vanishing', timeZone: 'Europe/Berlin', hours: { sun: ['02:00-03:00'] } });
    expect(cal.between(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toBe(0);
    expect(cal.nextOpening(at('2026-03-28T00:00:00Z'))).toEqual(at('2026-04-05T00:00:00Z')); // next Sunday 02:00 CEST
  });
});

describe('betweenExcluding (pending time)', () => {
  const cal = officeIn('UTC');
  const mon = (hhmm: string) => at(`2026-01-19T${hhmm}:00Z`);

  it('subtracts pending periods once, even when they overlap', () => {
    const excluded = [
      { from: mon('11:00'), to: mon('13:00') },
      { from: mon('12:00'), to: mon('14:00') },
      { from: mon('16:00'), to: mon('15:00') }, // reversed: ignored
    ];
    expect(cal.betweenExcluding(mon('09:00'), mon('17:00'), excluded)).toBe(5 * HOUR);
    const nested = [
      { from: mon('10:00'), to: mon('15:00') },
      { from: mon('11:00'), to: mon('12:00') }, // inside the first one
    ];
    expect(cal.betweenExcluding(mon('09:00'), mon('17:00'), nested)).toBe(3 * HOUR);
  });
  it('clips pending periods to the range and ignores their non-business part', () => {
    const excluded = [
      { from: mon('07:00'), to: mon('10:00') },
      { from: mon('16:30'), to: mon('20:00') },
      { from: at('2026-01-17T00:00:00Z'), to: at('2026-01-18T00:00:00Z') },
    ];
    expect(cal.betweenExcluding(mon('09:00'), mon('17:00'), excluded)).toBe(6.5 * HOUR);
  });
  it('pending over a weekend: Fri 15:00 → Mon 11:00, pending Fri 16:00 → Mon 09:30', () => {
    const excluded = [{ from: at('2026-01-16T16:00:00Z'), to: mon('09:30') }];
    expect(cal.betweenExcluding(at('2026-01-16T15:00:00Z'), mon('11:00'), excluded)).toBe(2.5 * HOUR);
  });
  it('no exclusions = between; everything excluded = 0', () => {
    expect(cal.betweenExcluding(mon('09:00'), mon('17:00'), [])).toBe(8 * HOUR);
    expect(cal.betweenExcluding(mon('09:00'), mon('17:00'), [{ from: mon('00:00'), to: mon('23:00') }])).toBe(0);
  });
});

describe('validation', () => {
  const parse = (patch: Partial<CalendarSpec>) => () =>
    BusinessCalendar.parse({ name: 'Support', timeZone: 'Europe/Moscow', hours: weekdays(['09:00-18:00']), ...patch });

  it('rejects an unknown time zone', () => {
    expect(parse({ timeZone: 'Mars/Olympus' })).toThrow('calendar "Support": unknown time zone "Mars/Olympus"');
  });
  it('rejects times past 24:00 and malformed times', () => {
    expect(parse({ hours: { mon: ['09:00-25:00'] } })).toThrow('calendar "Support": mon interval "09:00-25:00" has bad time "25:00"');
    expect(parse({ hours: { tue: ['09:60-12:00'] } })).toThrow('bad time "09:60"');
    expect(parse({ hours: { wed: ['9am-5pm'] } })).toThrow('bad time "9am"');
    expect(parse({ hours: { thu: ['09:00'] } })).toThrow('thu interval "09:00" is not "HH:MM-HH:MM"');
  });
  it('rejects reversed, empty and overlapping intervals', () => {
    expect(parse({ hours: { fri: ['18:00-09:00'] } })).toThrow('calendar "Support": fri interval "18:00-09:00" is reversed');
    expect(parse({ hours: { fri: ['09:00-09:00'] } })).toThrow('fri interval "09:00-09:00" is empty');
    expect(parse({ hours: { mon: ['12:00-18:00', '09:00-13:00'] } })).toThrow(
      'calendar "Support": mon intervals "09:00-13:00" and "12:00-18:00" overlap',
    );
  });
  it('rejects unknown weekdays and bad holidays', () => {
    expect(parse({ hours: { monday: ['09:00-18:00'] } as CalendarSpec['hours'] })).toThrow('unknown weekday "monday"');
    expect(parse({ holidays: ['2026-02-30'] })).toThrow('calendar "Support": bad holiday "2026-02-30"');
    expect(parse({ holidays: ['13-01'] })).toThrow('bad holiday "13-01"');
    expect(parse({ holidays: ['31.12'] })).toThrow('bad holiday "31.12"');
  });
  it('rejects a calendar without working hours', () => {
    expect(parse({ name: 'Empty', hours: {} })).toThrow('calendar "Empty" has no working hours');
    expect(parse({ name: 'Empty', hours: { mon: [], sat: [] } })).toThrow('calendar "Empty" has no working hours');
  });
  it('rejects negative or fractional durations and invalid dates', () => {
    const cal = parse({})();
    expect(() => cal.add(at('2026-01-19T09:00:00Z'), -1)).toThrow(RangeError);
    expect(() => cal.add(at('2026-01-19T09:00:00Z'), 1.5)).toThrow('durationMs must be a non-negative integer');
    expect(() => cal.between(new Date('nope'), new Date())).toThrow('start must be a valid Date');
  });
  it('gives up with a clear error when the desk never opens (every day a holiday)', () => {
    const allDays: string[] = [];
    for (let d = Date.UTC(2000, 0, 1); d < Date.UTC(2001, 0, 1); d += DAY) allDays.push(new Date(d).toISOString().slice(5, 10));
    const cal = parse({ name: 'Never', holidays: allDays })();
    expect(() => cal.add(at('2026-01-19T09:00:00Z'), HOUR)).toThrow(/calendar "Never": no business time found within 3660 days/);
    expect(() => cal.nextOpening(at('2026-01-19T09:00:00Z'))).toThrow(/3660 days/);
    expect(cal.isOpen(at('2026-01-19T09:00:00Z'))).toBe(false);
    expect(cal.between(at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'))).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Property-style tests with a seeded PRNG, so failures are reproducible.


const SPECS: CalendarSpec[] = [
  { name: 'moscow office', timeZone: 'Europe/Moscow', hours: weekdays(['09:00-18:00']), holidays: ['01-01', '01-02', '01-07', '2026-03-09'] },
  {
    name: 'berlin split + DST night',
    timeZone: 'Europe/Berlin',
    hours: { ...weekdays(['08:00-12:00', '13:00-17:30']), sat: ['10:00-14:00'], sun: ['01:00-04:00'] },
    holidays: ['12-25', '12-26', '2026-04-03'],
  },
  { name: 'new york 24/7', timeZone: 'America/New_York', hours: everyDay(['00:00-24:00']) },
  // Lord Howe shifts by 30 minutes at 02:00, so both DST changes fall inside 01:00-03:00.
  { name: 'lord howe nights', timeZone: 'Australia/Lord_Howe', hours: everyDay(['01:00-03:00', '09:00-17:00']), holidays: ['2026-10-04'] },
  // Santiago changes clocks at midnight (Sat 24:00 → 23:00, and Sun 00:00 → 01:00).
  { name: 'santiago midnights', timeZone: 'America/Santiago', hours: everyDay(['00:00-01:30', '09:00-17:00', '23:00-24:00']) },
  { name: 'kolkata', timeZone: 'Asia/Kolkata', hours: { ...weekdays(['10:00-19:00']), sat: ['10:00-14:00'] } },
  { name: 'always', timeZone: 'UTC', hours: everyDay(['00:00-24:00']) },
];

const FROM = Date.UTC(2025, 0, 1);
const TO = Date.UTC(2028, 0, 1);

/** Random instant in 2025–2027; often snapped to whole hours so edges (openings, closings, DST) get hit. */
function randomInstant(rnd: () => number): number {
  const t = FROM + Math.floor(rnd() * (TO - FROM));
  const r = rnd();
  if (r < 0.3) return t - (t % HOUR);
  if (r < 0.4) return t - (t % (30 * MINUTE));
  return t;
}

/** Random business duration up to ~60h: sometimes 0, often whole minutes/hours, otherwise arbitrary ms. */
function randomDuration(rnd: () => number): number {
  const r = rnd();
  if (r < 0.05) return 0;
  if (r < 0.35) return Math.floor(rnd() * 60) * HOUR;
  if (r < 0.6) return Math.floor(rnd() * 3600) * MINUTE;
  return Math.floor(rnd() * 60 * HOUR);
}

describe.each(SPECS.map((spec, i) => ({ spec, seed: 1000 + i })))('properties: $spec.name', ({ spec, seed }) => {
  const cal = BusinessCalendar.parse(spec);
  const CASES = 300;

  it(`add lands in business hours, between inverts add, add is monotonic (${CASES} cases)`, () => {
    const rnd = mulberry32(seed);
    for (let i = 0; i < CASES; i++) {
      const start = new Date(randomInstant(rnd));
      const d = randomDuration(rnd);
      const due = cal.add(start, d);
      const ctx = `case ${i}: start=${start.toISOString()} d=${d} due=${due.toISOString()}`;

      // Landing rule: with d > 0 the millisecond just before the due instant is business time
      // (so due is inside an open interval or exactly at its closing edge); with d = 0 the due
      // instant is the next opening, which is open.
      if (d > 0) {
        expect(cal.isOpen(new Date(due.getTime() - 1)), ctx).toBe(true);
        expect(due.getTime(), ctx).toBeGreaterThan(start.getTime());
      } else {
        expect(due, ctx).toEqual(cal.nextOpening(start));
        expect(cal.isOpen(due), ctx).toBe(true);
      }
      expect(cal.between(start, due), ctx).toBe(d);

      const d2 = d + randomDuration(rnd);
      expect(cal.add(start, d2).getTime(), `${ctx} d2=${d2}`).toBeGreaterThanOrEqual(due.getTime());
    }
  });

  it('nextOpening is open and no business time passes before it; between is additive', () => {
    const rnd = mulberry32(seed + 1);
    for (let i = 0; i < CASES; i++) {
      const a = randomInstant(rnd);
      const ctx = `case ${i}: a=${new Date(a).toISOString()}`;
      const next = cal.nextOpening(new Date(a));
      expect(next.getTime(), ctx).toBeGreaterThanOrEqual(a);
      expect(cal.isOpen(next), ctx).toBe(true);
      expect(cal.between(new Date(a), next), ctx).toBe(0);
      expect(next.getTime() === a, ctx).toBe(cal.isOpen(new Date(a)));

      const b = a + Math.floor(rnd() * 5 * DAY);
      const c = b + Math.floor(rnd() * 5 * DAY);
      const [A, B, C] = [new Date(a), new Date(b), new Date(c)];
      expect(cal.between(A, B) + cal.between(B, C), ctx).toBe(cal.between(A, C));
    }
  });

  it('isOpen agrees with a naive wall-clock check away from DST changes', () => {
    const rnd = mulberry32(seed + 2);
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
    const f = new Intl.DateTimeFormat('en-CA', {
      timeZone: spec.timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    const local = (t: number) => {
      const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
      const minutes = Number(p.hour) * 60 + Number(p.minute) + Number(p.second) / 60;
      const date = `${p.year}-${p.month}-${p.day}`;
      const ms = Date.parse(`${date}T${p.hour}:${p.minute}:${p.second}Z`);
      return { date, minutes, ms, weekday: days.findIndex((d) => p.weekday?.toLowerCase().startsWith(d)) };
    };
    const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    let checked = 0;
    for (let i = 0; i < CASES; i++) {
      const t = randomInstant(rnd);
      if (local(t + 6 * HOUR).ms - local(t - 6 * HOUR).ms !== 12 * HOUR) continue; // DST change nearby
      const l = local(t);
      const holiday = (spec.holidays ?? []).some((h) => h === l.date || h === l.date.slice(5));
      const intervals = spec.hours[days[l.weekday]!] ?? [];
      const expected =
        !holiday && intervals.some((iv) => toMinutes(iv.slice(0, 5)) <= l.minutes && l.minutes < toMinutes(iv.slice(6)));
      expect(cal.isOpen(new Date(t)), `t=${new Date(t).toISOString()} local=${JSON.stringify(l)}`).toBe(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(CASES * 0.9);
  });

  it('between matches a 15-minute-step count of isOpen, including DST weekends', () => {
    const rnd = mulberry32(seed + 3);
    const windows = [
      Date.UTC(2026, 2, 27), // Berlin spring-forward weekend
      Date.UTC(2026, 9, 24), // Berlin fall-back weekend
      Date.UTC(2026, 2, 7), // New York spring-forward
      Date.UTC(2026, 9, 31), // New York fall-back
      Date.UTC(2026, 3, 3), // Lord Howe back 30 min
      Date.UTC(2026, 9, 2), // Lord Howe forward 30 min
      Date.UTC(2026, 3, 3), // Santiago back at midnight
      Date.UTC(2026, 8, 4), // Santiago forward at midnight
      randomInstant(rnd),
    ];
    for (const w of windows) {
      // Every opening, closing and DST change in SPECS falls on a quarter hour (UTC), so sampling
      // at quarter hours counts business time exactly.
      const STEP = 15 * MINUTE;
      const start = w - (w % STEP);
      let open = 0;
      for (let t = start; t < start + 3 * DAY; t += STEP) if (cal.isOpen(new Date(t))) open++;
      expect(cal.between(new Date(start), new Date(start + 3 * DAY)), new Date(start).toISOString()).toBe(open * STEP);
    }
  });
});
