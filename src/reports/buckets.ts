/**
 * Local time for reports: the instants a caller means by "2026-03-01" in a time zone, and the
 * day or week buckets of a time series. Bucket edges are computed here, once, with the same
 * zone arithmetic as the SLA calendars (src/core/sla/zone.ts), and PostgreSQL only sorts
 * instants into them (width_bucket), so a day is the same day in every report.
 */
import type { DeskSettings } from '../core/deskSettings.js';
import { canonicalTimeZone, DAY_MS, fromWall, toWall } from '../core/sla/zone.js';

/** Time series intervals. A week starts on Monday (ISO 8601), at local midnight. */
export const INTERVALS = ['day', 'week'] as const;
export type Interval = (typeof INTERVALS)[number];

/** The most buckets one time series may have (about 2¾ years of days). */
export const MAX_BUCKETS = 1000;

/** One bucket of a series: [start, end) in epoch ms, named by the local date it starts on. */
export interface Bucket {
  /** Local date of the bucket's first day, YYYY-MM-DD. */
  date: string;
  start: number;
  end: number;
}

/** The desk's own time zone: that of `timers.calendar`, else UTC. */
export function deskTimeZone(settings: DeskSettings): string {
  const desk = settings.current;
  const name = desk.timers.calendar;
  return (name !== undefined ? desk.calendars[name]?.timeZone : undefined) ?? 'UTC';
}

/** The canonical IANA name of a zone, or undefined when it is unknown. */
export function validTimeZone(tz: string): string | undefined {
  return canonicalTimeZone(tz);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/**
 * An instant from a query parameter: an ISO 8601 date-time with `Z` or an offset is that instant;
 * a date ("2026-03-01") or a date-time without an offset is local time in `tz`. Undefined when
 * the text is none of these.
 */
export function parseInstant(text: string, tz: string): Date | undefined {
  const m = DATE_ONLY.exec(text) ?? LOCAL_DATE_TIME.exec(text);
  if (m) {
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
    const msec = Number((m[7] ?? '0').padEnd(3, '0'));
    const wall = Date.UTC(y, mo - 1, d, h, mi, s, msec);
    // Date.UTC rolls 2026-02-30 over to March: refuse dates and times that are not real.
    const check = new Date(wall);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() + 1 !== mo || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
    return new Date(fromWall(tz, wall));
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** The local date (YYYY-MM-DD) of an instant in `tz`. */
export function localDate(at: Date, tz: string): string {
  return new Date(toWall(tz, at.getTime())).toISOString().slice(0, 10);
}

/** Local day number (days since 1970-01-01 in the zone) of instant t. */
function localDay(tz: string, t: number): number {
  return Math.floor(toWall(tz, t) / DAY_MS);
}

/**
 * The buckets covering [from, to): the first starts at the local midnight (day) or Monday
 * midnight (week) at or before `from`, the last is the one containing the instant before `to`.
 * The first and last buckets may reach outside the range; a report counts only what lies inside.
 * Null when there would be more than MAX_BUCKETS.
 */
export function bucketsOf(from: Date, to: Date, interval: Interval, tz: string): Bucket[] | null {
  const step = interval === 'day' ? 1 : 7;
  let day = localDay(tz, from.getTime());
  if (interval === 'week') day -= (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays
  const lastDay = localDay(tz, to.getTime() - 1);
  if ((lastDay - day) / step + 1 > MAX_BUCKETS) return null;
  const buckets: Bucket[] = [];
  for (; day <= lastDay; day += step) {
    buckets.push({
      date: new Date(day * DAY_MS).toISOString().slice(0, 10),
      start: fromWall(tz, day * DAY_MS),
      end: fromWall(tz, (day + step) * DAY_MS),
    });
  }
  return buckets;
}
