/** Local dates and buckets of reports, and CSV cells. */
import { describe, expect, it } from 'vitest';
import { bucketsOf, localDate, parseInstant } from '../../src/reports/buckets.js';
import { toCsv } from '../../src/reports/csv.js';

const H = 3_600_000;

describe('parseInstant', () => {
  it('reads dates and offset-less date-times as local time in the zone', () => {
    expect(parseInstant('2025-03-03', 'Europe/Moscow')?.toISOString()).toBe('2025-03-02T21:00:00.000Z');
    expect(parseInstant('2025-03-03T10:30', 'Europe/Moscow')?.toISOString()).toBe('2025-03-03T07:30:00.000Z');
    expect(parseInstant('2025-03-03T10:30:15.5', 'UTC')?.toISOString()).toBe('2025-03-03T10:30:15.500Z');
  });

  it('reads date-times with an offset as that instant', () => {
    expect(parseInstant('2025-03-03T10:00:00Z', 'Europe/Moscow')?.toISOString()).toBe('2025-03-03T10:00:00.000Z');
    expect(parseInstant('2025-03-03T10:00:00+05:00', 'UTC')?.toISOString()).toBe('2025-03-03T05:00:00.000Z');
  });

  it('refuses what is not a real date', () => {
    for (const text of ['2025-02-29', '2025-13-01', '2025-03-03T24:00', 'yesterday', '1741000000', '2025-03-03T10:00:00+5']) {
      expect(parseInstant(text, 'UTC'), text).toBeUndefined();
    }
  });
});

describe('bucketsOf', () => {
  it('starts days at local midnight, also across a DST change (a 23-hour day)', () => {
    const from = parseInstant('2025-03-29', 'Europe/Berlin')!;
    const to = parseInstant('2025-04-01', 'Europe/Berlin')!;
    const days = bucketsOf(from, to, 'day', 'Europe/Berlin')!;
    expect(days.map((d) => d.date)).toEqual(['2025-03-29', '2025-03-30', '2025-03-31']);
    expect(days.map((d) => (d.end - d.start) / H)).toEqual([24, 23, 24]);
    expect(new Date(days[1]!.start).toISOString()).toBe('2025-03-29T23:00:00.000Z');
  });

  it('starts weeks on Monday, the first one at or before the range', () => {
    const weeks = bucketsOf(parseInstant('2025-03-05', 'UTC')!, parseInstant('2025-03-18', 'UTC')!, 'week', 'UTC')!;
    expect(weeks.map((w) => w.date)).toEqual(['2025-03-03', '2025-03-10', '2025-03-17']);
    const sunday = bucketsOf(parseInstant('2025-03-09T23:00', 'UTC')!, parseInstant('2025-03-10', 'UTC')!, 'week', 'UTC')!;
    expect(sunday.map((w) => w.date)).toEqual(['2025-03-03']);
  });

  it('refuses more than 1000 buckets', () => {
    expect(bucketsOf(new Date('2020-01-01'), new Date('2023-01-01'), 'day', 'UTC')).toBeNull();
    expect(bucketsOf(new Date('2020-01-01'), new Date('2023-01-01'), 'week', 'UTC')).toHaveLength(157);
  });

  it('names local dates', () => {
    expect(localDate(new Date('2025-03-02T21:00:00Z'), 'Europe/Moscow')).toBe('2025-03-03');
  });
});

describe('toCsv', () => {
  it('quotes what needs quoting and defuses formulas in text cells', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 'two\nlines'], ['=SUM(A1)', '+1', '-x', '@me', -5, null, 0.25]])).toBe(
      'a,"b,c","say ""hi""","two\nlines"\r\n\'=SUM(A1),\'+1,\'-x,\'@me,-5,,0.25\r\n',
    );
  });
});
