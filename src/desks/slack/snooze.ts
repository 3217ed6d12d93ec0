/** The card's snooze choices: how long each puts a ticket in `pending`. */
import { DAY_MS, fromWall, toWall } from '../../core/sla/zone.js';

export type SnoozeChoice = '1h' | '4h' | 'tomorrow';

/** The zone "tomorrow morning" is read in, until desks have their own business calendar. */
export const DEFAULT_DESK_TIME_ZONE = 'Europe/Moscow';
/** "Tomorrow morning" is this local hour of the next calendar day. */
export const MORNING_HOUR = 9;
const HOUR_MS = 60 * 60 * 1000;

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
