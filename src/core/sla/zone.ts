/**
 * Time-zone arithmetic on top of `Intl.DateTimeFormat` only (no date library).
 *
 * "Wall time" below means a local date-time in the zone encoded as milliseconds
 * as if that local time were UTC: wall = instant + offset(instant).
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // h23 so midnight is "00", not "24" (some ICU versions print 24 with hour12: false).
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The canonical IANA name of `timeZone`, or undefined if the runtime does not know it. */
export function canonicalTimeZone(timeZone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** UTC offset of `timeZone` at instant `t`, in ms (positive east of Greenwich). */
export function zoneOffset(timeZone: string, t: number): number {
  // Intl only resolves to whole seconds, so compare against the instant truncated to a second.
  const seconds = Math.floor(t / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(seconds)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, (p.hour ?? 0) % 24, p.minute ?? 0, p.second ?? 0);
  return wall - seconds;
}

/** Wall time (see module doc) of instant `t`. */
export function toWall(timeZone: string, t: number): number {
  return t + zoneOffset(timeZone, t);
}

/**
 * The instant at which the zone's clock shows `wall`.
 * - Ambiguous (clocks turned back, the time happens twice): the earlier instant.
 * - Nonexistent (clocks jumped forward over it): the first instant whose wall clock reads
 *   at or after `wall`, i.e. the transition itself. So in Berlin 2026-03-29 "02:30" → 03:00 CEST.
 *   This keeps the mapping monotonic, and "open from 02:30" means open as soon as the clock
 *   says ≥ 02:30, which is what a person at the desk would experience.
 */
export function fromWall(timeZone: string, wall: number): number {
  // Offsets a day either side of the wanted instant are the ones before and after any
  // transition near it (zones do not change offset twice within two days).
  const before = zoneOffset(timeZone, wall - DAY_MS);
  const after = zoneOffset(timeZone, wall + DAY_MS);
  const candidates = (before === after ? [before] : [before, after])
    .map((offset) => wall - offset)
    .filter((t) => toWall(timeZone, t) === wall);
  if (candidates.length > 0) return Math.min(...candidates);

  // In a gap: the transition lies between (wall - after), still on the old offset, and
  // (wall - before), already on the new one. Binary-search for its exact millisecond.
  let lo = wall - after;
  let hi = wall - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffset(timeZone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}
