/**
 * When timers are planned again: on every domain event that can change what a ticket needs (it
 * was created, changed, handed over, the customer wrote, someone answered), and for every ticket
 * when the desk settings change (a new busyAfter, warning share, calendar …). Planning is
 * idempotent, so an event too many costs a read and nothing else.
 */
import type { DeskSettings } from '../deskSettings.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../../logger.js';
import type { TimerQueue } from './queue.js';

/** How long planning waits for the rest of a burst of events about one ticket (timers run in seconds and more). */
export const EVENT_SETTLE_MS = 50;

/**
 * Subscribes the producer to the events; returns the function that unsubscribes. Planning runs
 * beside the event bus, not in it: with Redis down it waits, and `EventBus.idle` (which stop
 * awaits) must not wait with it; the producer's `close` waits for it, within stop's grace.
 */
export function attachTimerListeners(events: EventBus, settings: DeskSettings, producer: TimerQueue, log: Logger): () => void {
  const plan = (e: { ticketId: string }): void => {
    producer.schedule(e.ticketId, { settleMs: EVENT_SETTLE_MS }).catch((err: unknown) => log.error({ err, ticketId: e.ticketId }, 'planning timers failed'));
  };
  const detach = [
    events.on('ticket.created', plan),
    events.on('ticket.updated', plan),
    events.on('ticket.handoff', plan),
    events.on('ticket.reassigned', plan),
    events.on('message.received', plan),
    // An internal note changes nothing a timer looks at.
    events.on('message.created', (e) => (e.internal ? undefined : plan(e))),
    settings.onChange(() => {
      producer.rebuild().catch((err: unknown) => log.error({ err }, 'planning timers after a settings change failed'));
    }),
  ];
  return () => {
    for (const off of detach) off();
  };
}
