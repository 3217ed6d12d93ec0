/**
 * The CSAT survey: a 1–5 rating asked for after a ticket is resolved. It goes out as a system
 * message with five buttons, which each channel shows natively (Telegram inline keyboard, VK
 * keyboard, widget stars, a numbered list on WhatsApp); a press comes back as the button id
 * `csat:N`, and a typed digit (with an optional comment: "4 долго везли") counts the same
 * (src/core/notify/csatReply.ts).
 */
import type { DeskConfig, Lang } from '../deskConfig.js';
import { notificationText } from './templates.js';

/** The button id prefix of a rating: `csat:1` … `csat:5`. */
export const CSAT_BUTTON_PREFIX = 'csat:';

/**
 * The labels are stars, one to five: they read as a scale in any language, whether a channel
 * shows them as buttons (Telegram, VK: one a row) or as a numbered list (WhatsApp: "3. ⭐⭐⭐",
 * where the typed "3" is the rating). The widget draws its own stars for `csat:*` buttons.
 */
const STAR = '⭐';

/** The survey's text (template `csat`, which says how to rate and comment) and its five buttons. */
export function csatSurvey(config: DeskConfig, lang: Lang, ticketNumber: number): { text: string; buttons: Array<{ id: string; label: string }> } {
  return {
    text: notificationText(config, 'csat', lang, { 'ticket.number': String(ticketNumber) }),
    buttons: [1, 2, 3, 4, 5].map((n) => ({ id: `${CSAT_BUTTON_PREFIX}${n}`, label: STAR.repeat(n) })),
  };
}

/** The rating a button id stands for (`csat:4` → 4), or null for any other button. */
export function csatScoreOfButton(buttonId: string | null | undefined): number | null {
  const m = /^csat:([1-5])$/.exec(buttonId ?? '');
  return m ? Number(m[1]) : null;
}
