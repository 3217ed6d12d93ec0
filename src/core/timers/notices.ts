/**
 * The "we are busy" notice: inside the business hours of `timers.calendar` (or with no calendar)
 * the request is in the queue; outside them, the customer is also told when the desk opens, in
 * the calendar's time zone and the customer's language.
 */
import type { DeskConfig, Lang } from '../deskConfig.js';
import { notificationText } from '../notify/templates.js';
import { BusinessCalendar } from '../sla/calendar.js';

/** Calendars built from a configuration, kept as long as that configuration is (DeskSettings replaces it on change). */
const calendars = new WeakMap<DeskConfig, BusinessCalendar | null>();

/** The calendar of `timers.calendar`, or null when none is set. */
export function desksCalendar(config: DeskConfig): BusinessCalendar | null {
  const cached = calendars.get(config);
  if (cached !== undefined) return cached;
  const name = config.timers.calendar;
  const spec = name === undefined ? undefined : config.calendars[name];
  const calendar = name && spec ? BusinessCalendar.parse({ name, ...spec }) : null;
  calendars.set(config, calendar);
  return calendar;
}

/** The busy notice's text at `now`: "busy", or "busyClosed" with {{opensAt}} when the desk is closed. */
export function busyNotice(config: DeskConfig, lang: Lang, ticketNumber: number, now: Date): string {
  const vars = { 'ticket.number': String(ticketNumber) };
  const calendar = desksCalendar(config);
  if (!calendar || calendar.isOpen(now)) return notificationText(config, 'busy', lang, vars);
  return notificationText(config, 'busyClosed', lang, { ...vars, opensAt: formatOpening(calendar.nextOpening(now), calendar.timeZone, lang) });
}

/** "вторник, 24 ноября в 09:00 GMT+3" / "Tuesday 24 November at 09:00 GMT+3": the desk's local time, with its offset. */
export function formatOpening(at: Date, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
}
