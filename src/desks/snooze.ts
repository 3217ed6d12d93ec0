/**
 * Snoozing a ticket from a desk: how long `pending` lasts. Shared by the Slack desk's buttons
 * (1 h, 4 h, tomorrow morning) and the Telegram desk's `/snooze 2h|tomorrow`.
 */
import { DAY_MS, fromWall, toWall } from '../core/sla/zone.js';

export type SnoozeChoice = '1h' | '4h' | 'tomorrow';

/** The zone "tomorrow morning" is read in, until desks have their own business calendar. */
export const DEFAULT_DESK_TIME_ZONE = 'Europe/Moscow';
/** "Tomorrow morning" is this local hour of the next calendar day. */
export const MORNING_HOUR = 9;
const HOUR_MS = 60 * 60 * 1000;
/** The longest snooze a typed duration may ask for: longer ones are surely typos. */
export const MAX_SNOOZE_MS = 30 * 24 * HOUR_MS;
const UNIT_MS: Record<string, number> = { d: 24 * HOUR_MS, h: HOUR_MS, m: 60_000 };

/** 09:00 on the next calendar day in `timeZone` (DST-safe: computed on the local wall clock). */
export function tomorrowMorning(now: Date, timeZone: string): Date {
  const wall = toWall(timeZone, now.getTime());
  const startOfToday = Math.floor(wall / DAY_MS) * DAY_MS;
  return new Date(fromWall(timeZone, startOfToday + DAY_MS + MORNING_HOUR * HOUR_MS));
}

/** When a ticket snoozed now with `choice` wakes up. */
export function snoozeUntil(choice: SnoozeChoice, now: Date, timeZone: string): Date {
  if (choice === '1h') return new Date(now.getTime() + HOUR_MS);
  if (choice === '4h') return new Date(now.getTime() + 4 * HOUR_MS);
  return tomorrowMorning(now, timeZone);
}

/**
 * A typed snooze: "tomorrow" (or "завтра": 09:00 tomorrow in `timeZone`), or a wall-clock
 * duration such as "2h", "90m", "1h30m", "2d" (also with Russian units: "2ч", "30м", "1д").
 * Undefined when the text is none of these or asks for more than MAX_SNOOZE_MS.
 */
export function parseSnooze(text: string, now: Date, timeZone: string): Date | undefined {
  const t = text.trim().toLowerCase().replace(/ч/g, 'h').replace(/м(ин)?/g, 'm').replace(/д/g, 'd');
  if (t === 'tomorrow' || t === 'завтра') return tomorrowMorning(now, timeZone);
  if (!/^(\d+\s*[dhm]\s*)+$/.test(t)) return undefined;
  const ms = [...t.matchAll(/(\d+)\s*([dhm])/g)].reduce((sum, m) => sum + Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0), 0);
  if (ms <= 0 || ms > MAX_SNOOZE_MS) return undefined;
  return new Date(now.getTime() + ms);
}
