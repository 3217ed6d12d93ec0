/**
 * Answers to the CSAT survey (src/core/notify/csat.ts). The inbound pipeline asks here, under the
 * conversation's lock, before it threads a customer's message into a resolved or closed ticket:
 * a message that is a rating rates the surveyed ticket instead of reopening it (or opening a new
 * one), is stored on that ticket, and is thanked (`csatThanks`), all in the ingest transaction.
 *
 * What counts as a rating, on a ticket whose survey was sent (`csatRequestedAt`) and not yet
 * answered (`csatRatedAt` null, or older than the survey: a ticket resolved again is asked again):
 * - a press of a survey button (`csat:1` … `csat:5`), whenever it comes;
 * - within CSAT_TEXT_WINDOW_MS of the survey, a message that is a digit 1–5 ("4", "4/5", "5!"),
 *   or 1–5 stars ("⭐⭐⭐⭐"), optionally followed by a comment in the same message
 *   ("4 долго везли", "2, курьер опоздал"). That is the only way to comment: the survey says so.
 *   A message in which the comment asks something ("1 где мой возврат?") or runs longer than
 *   MAX_COMMENT_LENGTH is a new question, not a rating: it reopens the ticket as usual. The
 *   thanks also says that writing again reopens the ticket, for a rare "2 items are missing"
 *   taken as a rating.
 * A second press on an answered survey is stored on the ticket and changes nothing (the first
 * rating stands); a second typed digit is an ordinary message.
 *
 * After commit, `announce` queues the thanks and publishes `csat.rated`, and `csat.low` for a
 * rating of CSAT_LOW_SCORE or below (the Slack desk tells the team in the ticket's thread).
 */
import type { Prisma } from '../../generated/prisma/client.js';
import { audit } from '../audit.js';
import type { DeskSettings } from '../deskSettings.js';
import type { EventBus } from '../events.js';
import type { InboundMessage } from '../model.js';
import type { Outbox, OutgoingMessage, TicketTarget } from '../outbox.js';
import { csatScoreOfButton } from './csat.js';
import { ticketLang } from './lang.js';
import { notificationText } from './templates.js';

/** Ratings at or below this are "low": the team is told (`csat.low`). */
export const CSAT_LOW_SCORE = 2;
/** How long after the survey a typed digit still counts as a rating (a button press always does). */
export const CSAT_TEXT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/** A longer text after the digit is a message of its own, not a comment. */
export const MAX_COMMENT_LENGTH = 500;

/** A rating read from a customer's message. */
export interface CsatAnswer {
  score: number;
  comment: string | null;
  /** A survey button was pressed (else the rating was typed). */
  pressed: boolean;
}

/**
 * A digit 1–5, maybe "/5" or "из 5" / "of 5", then the end or a separator and a comment; "3.5"
 * or "2,5" is not a rating.
 */
const TYPED = /^([1-5])(?:\s*(?:\/|из|of|out of)\s*5)?(?![.,]\d)(?:$|[\s.,;:!)\]—–-]+([\s\S]*)$)/iu;
const STARS = /^(?:⭐|★|\u2B50\uFE0F){1,5}$/u;

/** The rating in a message (see the module comment), or null when the message is not one. */
export function parseCsatAnswer(text: string, buttonId?: string | null): CsatAnswer | null {
  const pressed = csatScoreOfButton(buttonId);
  if (pressed !== null) return { score: pressed, comment: null, pressed: true };
  if (buttonId) return null; // another button: the bot's
  const trimmed = text.trim();
  if (STARS.test(trimmed)) return { score: [...trimmed.replaceAll('\uFE0F', '')].length, comment: null, pressed: false };
  const m = TYPED.exec(trimmed);
  if (!m) return null;
  const comment = (m[2] ?? '').trim();
  if (comment.length > MAX_COMMENT_LENGTH || /[?？]/u.test(comment)) return null;
  return { score: Number(m[1]), comment: comment || null, pressed: false };
}

/** A rating stored in the ingest transaction, for `announce` after commit. */
export interface CapturedRating {
  ticket: TicketTarget;
  /** The customer's message, stored on the rated ticket. */
  messageId: string;
  score: number;
  comment: string | null;
  /** False for a press on a survey answered already: stored, nothing else. */
  counted: boolean;
  thanks: { id: string; message: OutgoingMessage } | null;
}

interface SurveyedRow {
  id: string;
  number: number;
  conversationId: string;
  channel: TicketTarget['channel'];
  csatRequestedAt: Date;
  csatRatedAt: Date | null;
}

export class CsatReplies {
  constructor(
    private readonly outbox: Outbox,
    private readonly events: EventBus,
    private readonly settings: DeskSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** No I/O: whether the message could answer a survey at all (most messages cannot). */
  mayBeRating(msg: Pick<InboundMessage, 'text' | 'buttonId'>): boolean {
    return parseCsatAnswer(msg.text, msg.buttonId) !== null;
  }

  /**
   * In the ingest transaction, under the conversation's lock: if `msg` answers the survey of
   * ticket `ticketId` (resolved or closed), stores it there with `store` (the pipeline's insert,
   * null for a redelivery), records the rating and writes the thanks. Null when it is not a
   * rating: the pipeline threads it as usual.
   */
  async capture(
    tx: Prisma.TransactionClient,
    msg: Pick<InboundMessage, 'text' | 'buttonId' | 'from'>,
    ticketId: string,
    store: (ticketId: string) => Promise<string | null>,
  ): Promise<CapturedRating | null> {
    const answer = parseCsatAnswer(msg.text, msg.buttonId);
    if (!answer) return null;
    // The ticket's row lock, as TicketService takes it: a rating and an agent's change queue up.
    const rows = await tx.$queryRaw<SurveyedRow[]>`
      SELECT "id", "number", "conversationId", "channel", "csatRequestedAt", "csatRatedAt"
      FROM "Ticket"
      WHERE "id" = ${ticketId}::uuid AND "status" IN ('resolved', 'closed') AND "csatRequestedAt" IS NOT NULL
      FOR UPDATE`;
    const row = rows[0];
    if (!row) return null;
    const ticket: TicketTarget = { id: row.id, number: row.number, conversationId: row.conversationId, channel: row.channel };
    // Rated after this survey went out (a ticket resolved again gets a new survey, and may be rated again).
    if (row.csatRatedAt && row.csatRatedAt >= row.csatRequestedAt) {
      if (!answer.pressed) return null;
      const messageId = await store(row.id);
      return messageId ? { ticket, messageId, score: answer.score, comment: null, counted: false, thanks: null } : null;
    }
    if (!answer.pressed && this.now().getTime() - row.csatRequestedAt.getTime() > CSAT_TEXT_WINDOW_MS) return null;
    const messageId = await store(row.id);
    if (!messageId) return null;
    await tx.ticket.update({ where: { id: row.id }, data: { csatScore: answer.score, csatComment: answer.comment, csatRatedAt: this.now() } });
    await audit(tx, row.id, 'csat_rated', { kind: 'customer', name: msg.from.name ?? null }, { score: answer.score, comment: answer.comment, messageId, by: answer.pressed ? 'button' : 'text' });
    const lang = await ticketLang(tx, row.id);
    const message: OutgoingMessage = {
      authorKind: 'system',
      authorName: null,
      text: notificationText(this.settings.current, 'csatThanks', lang, { 'ticket.number': String(row.number), 'customer.name': msg.from.name ?? '' }),
    };
    const thanksId = await this.outbox.write(tx, ticket, message);
    return { ticket, messageId, score: answer.score, comment: answer.comment, counted: true, thanks: { id: thanksId, message } };
  }

  /** After the ingest transaction committed: queues the thanks and tells the listeners. */
  async announce(rating: CapturedRating): Promise<void> {
    if (rating.thanks) await this.outbox.dispatch(rating.ticket, rating.thanks.id, rating.thanks.message);
    if (!rating.counted) return;
    const { ticket } = rating;
    const event = {
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      conversationId: ticket.conversationId,
      channel: ticket.channel,
      messageId: rating.messageId,
      score: rating.score,
      comment: rating.comment,
    };
    this.events.publish('csat.rated', event);
    if (rating.score <= CSAT_LOW_SCORE) this.events.publish('csat.low', event);
  }
}
