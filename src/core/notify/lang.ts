/**
 * The language a customer is written to. The contact's language comes from the platform
 * (Telegram's language_code, the widget's browser language …) as an ISO 639-1 code, maybe with a
 * region ("ru-RU"). The desk speaks Russian and English; anything else gets the fallback.
 * The knowledge-base bot uses this too, so the bot and the desk never disagree.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import type { Lang } from '../deskConfig.js';

/** 'ru' or 'en' for a contact's language code; `fallback` (default 'en') when it is unknown or neither. */
export function customerLang(contactLanguage: string | null | undefined, fallback: Lang = 'en'): Lang {
  return knownLang(contactLanguage) ?? fallback;
}

/** 'ru' or 'en' for a language code ("ru", "ru-RU", "EN"), else null. */
function knownLang(code: string | null | undefined): Lang | null {
  const c = code?.trim().toLowerCase() ?? '';
  if (c.startsWith('ru')) return 'ru';
  if (c.startsWith('en')) return 'en';
  return null;
}

/** The reads `ticketLang` needs (a Db or a transaction). */
type LangReader = Pick<Prisma.TransactionClient, 'ticket' | 'botTurn' | 'message'>;

/**
 * The language to write to a ticket's customer: the contact's own (from their platform), else
 * the one the bot last spoke with them in this ticket, else Russian if their last message is in
 * Cyrillic, else English. For channels that give no language (the API channel, WhatsApp).
 */
export async function ticketLang(db: LangReader, ticketId: string): Promise<Lang> {
  const ticket = await db.ticket.findUnique({ where: { id: ticketId }, select: { contact: { select: { language: true } } } });
  const known = knownLang(ticket?.contact.language);
  if (known) return known;
  const turn = await db.botTurn.findFirst({ where: { ticketId }, orderBy: { createdAt: 'desc' }, select: { lang: true } });
  if (turn?.lang === 'ru' || turn?.lang === 'en') return turn.lang;
  const said = await db.message.findFirst({
    where: { ticketId, direction: 'inbound', authorKind: 'customer', text: { not: '' } },
    orderBy: { seq: 'desc' },
    select: { text: true },
  });
  return said && /[а-яё]/iu.test(said.text) ? 'ru' : 'en';
}
