/**
 * Business-hours calendars: weekly opening hours in an IANA time zone, minus holidays.
 *
 * SLA clocks run only while the desk is open, so everything here works on the set of
 * "open instants": for every local day that is not a holiday, the day's intervals converted
 * to UTC instants (intervals are half-open, [opening, closing)). Conversions are done per day
 * because offsets differ around DST changes; we walk days, never minutes.
 */
import { DAY_MS, MINUTE_MS, canonicalTimeZone, fromWall, toWall } from './zone.js';

/** Day of the week, as used for the keys of {@link CalendarSpec.hours}. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Serializable description of a business calendar (what admins edit and we store). */
export interface CalendarSpec {
  /** Human-readable name, used in error messages. */
  name: string;
  /** IANA time zone the hours and holidays are expressed in, e.g. "Europe/Moscow". */
  timeZone: string;
  /** Weekly hours: "09:00-13:00" strings per weekday; missing or [] = closed. "00:00-24:00" = whole day. */
  hours: Partial<Record<Weekday, string[]>>;
  /** Holidays: "2026-12-31" (one-off) or "01-01" (every year). Whole local days off. */
  holidays?: string[];
}

/** [from, to) in epoch ms. */
type Span = readonly [number, number];

/** Index = (epoch day + 4) mod 7, because 1970-01-01 was a Thursday. */
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** How far add()/nextOpening() look ahead before deciding the calendar never opens (~10 years). */
const MAX_SCAN_DAYS = 3660;

/** Day intervals are memoized per calendar; past this many days the memo is simply dropped. */
const MEMO_DAYS = 4096;

export class BusinessCalendar {
  /** Name from the spec. */
  readonly name: string;
  /** Canonical IANA zone name. */
  readonly timeZone: string;
  /** Per weekday (index as in WEEKDAYS): sorted, disjoint, non-touching [from, to) minutes since local midnight. */
  private readonly weekly: ReadonlyArray<ReadonlyArray<Span>>;
  private readonly oneOffHolidays: ReadonlySet<string>;
  private readonly yearlyHolidays: ReadonlySet<string>;
  private readonly memo = new Map<number, Span[]>();

  private constructor(
    name: string,
    timeZone: string,
    weekly: Span[][],
    oneOff: Set<string>,
    yearly: Set<string>,
  ) {
    this.name = name;
    this.timeZone = timeZone;
    this.weekly = weekly;
    this.oneOffHolidays = oneOff;
    this.yearlyHolidays = yearly;
  }

  /**
   * Validates a spec and builds the calendar. Throws an Error naming the calendar and the
   * offending value for: an unknown time zone, an unknown weekday key, a malformed time
   * ("25:00", "9am"), an empty or reversed interval, overlapping intervals, a malformed
   * holiday, or a calendar without any working hours. Touching intervals
   * ("09:00-13:00", "13:00-17:00") are allowed and merged.
   */
  static parse(spec: CalendarSpec): BusinessCalendar {
    const label = `calendar ${JSON.stringify(spec.name)}`;
    const fail = (problem: string): never => {
      throw new Error(`${label}: ${problem}`);
    };

    const timeZone = canonicalTimeZone(spec.timeZone) ?? fail(`unknown time zone ${JSON.stringify(spec.timeZone)}`);

    const weekly: Span[][] = WEEKDAYS.map(() => []);
    for (const [key, list] of Object.entries(spec.hours ?? {})) {
      const index = WEEKDAYS.indexOf(key as Weekday);
      if (index < 0) fail(`unknown weekday ${JSON.stringify(key)} in hours (use ${WEEKDAYS.join(', ')})`);
      if (list === undefined) continue;
      if (!Array.isArray(list)) fail(`hours.${key} must be a list of "HH:MM-HH:MM" strings`);
      const parsed = list.map((text) => ({ text, span: parseInterval(text, (p) => fail(`${key} ${p}`)) }));
      parsed.sort((a, b) => a.span[0] - b.span[0]);
      const merged: Span[] = [];
      for (let i = 0; i < parsed.length; i++) {
        const cur = parsed[i]!;
        const prev = parsed[i - 1];
        const last = merged[merged.length - 1];
        if (prev && last && cur.span[0] < last[1]) {
          fail(`${key} intervals ${JSON.stringify(prev.text)} and ${JSON.stringify(cur.text)} overlap`);
        }
        // Touching intervals become one, so "closing edge" always means the desk really closes.
        if (last && cur.span[0] === last[1]) merged[merged.length - 1] = [last[0], cur.span[1]];
        else merged.push(cur.span);
      }
      weekly[index] = merged;
    }
    if (weekly.every((day) => day.length === 0)) {
      throw new Error(`${label} has no working hours`);
    }

    const oneOff = new Set<string>();
    const yearly = new Set<string>();
    for (const holiday of spec.holidays ?? []) {
      const text = String(holiday).trim();
      if (/^\d{4}-\d{2}-\d{2}$/.test(text) && isRealDate(text)) oneOff.add(text);
      // Leap year 2000 so that "02-29" is accepted (it then applies in leap years only).
      else if (/^\d{2}-\d{2}$/.test(text) && isRealDate(`2000-${text}`)) yearly.add(text);
      else fail(`bad holiday ${JSON.stringify(holiday)} (expected YYYY-MM-DD or MM-DD)`);
    }

    return new BusinessCalendar(spec.name, timeZone, weekly, oneOff, yearly);
  }

  /** A calendar that is always open (24/7, no holidays). The zone is irrelevant, so UTC. */
  static always(name = '24/7'): BusinessCalendar {
    const whole = ['00:00-24:00'];
    return BusinessCalendar.parse({
      name,
      timeZone: 'UTC',
      hours: { mon: whole, tue: whole, wed: whole, thu: whole, fri: whole, sat: whole, sun: whole },
    });
  }

  /** Whether the desk is open at `at` (opening instant included, closing instant excluded). */
  isOpen(at: Date): boolean {
    const t = ms(at, 'at');
    for (const [from] of this.spans(t, this.dayOf(t) + 1)) return from <= t;
    return false;
  }

  /** The next instant ≥ at when the desk is open (at itself if open). */
  nextOpening(at: Date): Date {
    const t = ms(at, 'at');
    for (const [from] of this.spans(t, this.dayOf(t) + MAX_SCAN_DAYS)) return new Date(Math.max(from, t));
    throw this.tooFar(t);
  }

  /**
   * The instant `durationMs` of business time after `start` (if start is outside hours, the
   * clock starts at the next opening).
   *
   * For durationMs > 0 the result r is inside an open interval or exactly at its closing
   * edge, i.e. the millisecond just before r is open — we never roll over to the next
   * opening, because the target was met when the business time ran out.
   * For durationMs = 0 the result is nextOpening(start).
   * Always: between(start, add(start, d)) === d, and add is non-decreasing in d.
   * @throws RangeError unless durationMs is a non-negative integer.
   */
  add(start: Date, durationMs: number): Date {
    const t = ms(start, 'start');
    if (!Number.isSafeInteger(durationMs) || durationMs < 0) {
      throw new RangeError(`${this.label}: durationMs must be a non-negative integer, got ${durationMs}`);
    }
    let remaining = durationMs;
    for (const [from, to] of this.spans(t, this.dayOf(t) + MAX_SCAN_DAYS)) {
      const begin = Math.max(from, t);
      if (begin + remaining <= to) return new Date(begin + remaining);
      remaining -= to - begin;
    }
    throw this.tooFar(t);
  }

  /** Business time in ms between two instants (0 if end <= start). */
  between(start: Date, end: Date): number {
    return this.businessMs(ms(start, 'start'), ms(end, 'end'));
  }

  /**
   * Business time between start and end, excluding the given [from, to) intervals
   * (e.g. pending periods). Excluded intervals may overlap each other, extend beyond
   * [start, end) or be empty; each business millisecond is subtracted at most once.
   */
  betweenExcluding(start: Date, end: Date, excluded: Array<{ from: Date; to: Date }>): number {
    const s = ms(start, 'start');
    const e = ms(end, 'end');
    const cuts = excluded
      .map(({ from, to }) => [ms(from, 'excluded.from'), ms(to, 'excluded.to')] as const)
      .filter(([from, to]) => to > from)
      .sort((a, b) => a[0] - b[0]);
    // Sum business time over the gaps between the (merged) excluded intervals.
    let total = 0;
    let cursor = s;
    for (const [from, to] of cuts) {
      if (from > cursor) total += this.businessMs(cursor, Math.min(from, e));
      cursor = Math.max(cursor, to);
      if (cursor >= e) return total;
    }
    return total + this.businessMs(cursor, e);
  }

  /**
   * The open intervals [from, to) in epoch ms that overlap [start, end), clipped to it, oldest
   * first. Reports (src/reports/businessTime.ts) turn them into a cumulative table so that
   * PostgreSQL can sum business time over many tickets; summing their lengths is `between`.
   */
  openIntervals(start: Date, end: Date): Array<[number, number]> {
    const s = ms(start, 'start');
    const e = ms(end, 'end');
    const out: Array<[number, number]> = [];
    if (e <= s) return out;
    for (const [from, to] of this.spans(s, this.dayOf(e) + 1)) {
      if (from >= e) break;
      out.push([Math.max(from, s), Math.min(to, e)]);
    }
    return out;
  }

  private get label(): string {
    return `calendar ${JSON.stringify(this.name)}`;
  }

  private businessMs(s: number, e: number): number {
    if (e <= s) return 0;
    let total = 0;
    for (const [from, to] of this.spans(s, this.dayOf(e) + 1)) {
      if (from >= e) break;
      total += Math.min(to, e) - Math.max(from, s);
    }
    return total;
  }

  /** Local (epoch) day number of instant t in this calendar's zone. */
  private dayOf(t: number): number {
    return Math.floor(toWall(this.timeZone, t) / DAY_MS);
  }

  /**
   * Open spans, in order, that end after `t`, taken from local days dayOf(t)..lastDay.
   * Earlier days need no look: their spans end by local midnight starting dayOf(t), and
   * fromWall maps that midnight to an instant ≤ t (earliest occurrence, or the DST jump).
   */
  private *spans(t: number, lastDay: number): Generator<Span> {
    for (let day = this.dayOf(t); day <= lastDay; day++) {
      for (const span of this.daySpans(day)) {
        if (span[1] > t) yield span;
      }
    }
  }

  /** The open spans (UTC ms) of local day `day`; empty on holidays and closed days. */
  private daySpans(day: number): Span[] {
    const cached = this.memo.get(day);
    if (cached) return cached;

    const date = new Date(day * DAY_MS).toISOString().slice(0, 10); // local date as YYYY-MM-DD
    const weekly = this.weekly[(((day + 4) % 7) + 7) % 7] ?? [];
    const holiday = this.oneOffHolidays.has(date) || this.yearlyHolidays.has(date.slice(5));
    const spans: Span[] = [];
    if (!holiday) {
      for (const [from, to] of weekly) {
        const a = fromWall(this.timeZone, day * DAY_MS + from * MINUTE_MS);
        const b = fromWall(this.timeZone, day * DAY_MS + to * MINUTE_MS);
        // An interval lying wholly inside a DST gap (e.g. 02:00-03:00 on spring-forward day) vanishes.
        if (b > a) spans.push([a, b]);
      }
    }

    if (this.memo.size >= MEMO_DAYS) this.memo.clear();
    this.memo.set(day, spans);
    return spans;
  }

  private tooFar(t: number): Error {
    return new Error(
      `${this.label}: no business time found within ${MAX_SCAN_DAYS} days after ${new Date(t).toISOString()} ` +
        `(are all working days holidays, or is the duration unrealistically long?)`,
    );
  }
}

/** Parses "HH:MM-HH:MM" into minutes since midnight; `fail` receives a description of the problem. */
function parseInterval(text: unknown, fail: (problem: string) => never): Span {
  const quoted = JSON.stringify(text);
  const match = typeof text === 'string' ? /^\s*(\S+?)\s*-\s*(\S+?)\s*$/.exec(text) : null;
  if (!match) return fail(`interval ${quoted} is not "HH:MM-HH:MM"`);
  const minutes = (time: string): number => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(time);
    const value = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
    if (!m || Number(m[2]) > 59 || value > 24 * 60) {
      return fail(`interval ${quoted} has bad time ${JSON.stringify(time)} (expected HH:MM from 00:00 to 24:00)`);
    }
    return value;
  };
  const from = minutes(match[1] ?? '');
  const to = minutes(match[2] ?? '');
  if (to < from) fail(`interval ${quoted} is reversed (ends before it starts)`);
  if (to === from) fail(`interval ${quoted} is empty`);
  return [from, to];
}

/** Whether a YYYY-MM-DD string names a real calendar date (rejects 2026-02-30). */
function isRealDate(text: string): boolean {
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

function ms(date: Date, what: string): number {
  const t = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(t)) throw new TypeError(`${what} must be a valid Date`);
  return t;
}
