/** Gathers the facts rules are matched against (RuleFacts) from PostgreSQL and the desk configuration. */
import type { Db } from '../../db/prisma.js';
import type { DeskConfig } from '../deskConfig.js';
import type { DeskSettings } from '../deskSettings.js';
import { desksCalendar } from '../timers/notices.js';
import type { RuleFacts } from './conditions.js';

/** Whether the desk is open at `now` by `timers.calendar`; without one it is always open. */
export function insideBusinessHours(config: DeskConfig, now: Date): boolean {
  return desksCalendar(config)?.isOpen(now) ?? true;
}

/**
 * The facts of a ticket now. `text` defaults to the customer's first message on the ticket.
 * `botHandles` says whether the bot takes tickets at all (BOT_ENABLED and a KB; the desks'
 * predicate): a ticket it is allowed in is the bot's only then. Null when the ticket does not exist.
 */
export async function loadRuleFacts(
  db: Db,
  ticketId: string,
  settings: DeskSettings,
  opts: { text?: string; now?: Date; botHandles: () => boolean },
): Promise<RuleFacts | null> {
  const t = await db.ticket.findUnique({
    where: { id: ticketId },
    select: {
      channel: true, category: true, priority: true, tags: true, botActive: true,
      contact: { select: { tags: true, attributes: true } },
      messages: { where: { authorKind: 'customer' }, orderBy: { seq: 'asc' }, take: 1, select: { text: true } },
    },
  });
  if (!t) return null;
  const now = opts.now ?? new Date();
  const attributes = t.contact.attributes && typeof t.contact.attributes === 'object' && !Array.isArray(t.contact.attributes) ? (t.contact.attributes as Record<string, unknown>) : {};
  return {
    ticket: { channel: t.channel, category: t.category, priority: t.priority, tags: t.tags },
    contact: { tags: t.contact.tags, attributes },
    text: opts.text ?? t.messages[0]?.text ?? '',
    now,
    businessHours: insideBusinessHours(settings.current, now),
    bot: t.botActive && opts.botHandles(),
  };
}
