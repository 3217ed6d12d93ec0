/** The Slack card's snooze choices: the shared snooze rules (../snooze.ts), where they now live. */
export { DEFAULT_DESK_TIME_ZONE, MORNING_HOUR, snoozeUntil, tomorrowMorning, type SnoozeChoice } from '../snooze.js';
