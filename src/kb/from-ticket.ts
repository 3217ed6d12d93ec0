/**
 * Learning from tickets: an agent's good reply becomes a new article, with the customer's own
 * words as its example questions, so the next customer who asks the same gets it from the bot.
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { Db } from '../db/prisma.js';
import type { KbLang } from './article.js';
import { normalize, detectLanguage } from './normalize.js';
import { wantsHuman } from './policy.js';
import { parseFeedback } from './replies.js';

export interface ReplyToArticleInput {
  /** The agent's reply to save; default: the ticket's latest agent reply (unless `text` is given). */
  messageId?: string;
  /** The answer text instead of a stored reply (an agent may polish it first). */
  text?: string;
  /** Default: the customer's first question. */
  title?: string;
  /** Default: what the customer wrote before the reply. */
  questions?: string[];
  /** Default: detected from the questions. */
  lang?: KbLang;
  category?: string | null;
  tags?: string[];
}

export interface ArticleDraft {
  title: string;
  lang: KbLang;
  body: string;
  questions: string[];
  category: string | null;
  tags: string[];
}

/** At most this many customer messages become questions. */
const MAX_QUESTIONS = 10;
const TITLE_MAX = 200;

/** Builds an article from a ticket; the caller creates it (and may still refuse it). */
export async function draftArticleFromTicket(db: Db, ticketNumber: number, input: ReplyToArticleInput): Promise<ArticleDraft> {
  const ticket = await db.ticket.findUnique({
    where: { number: ticketNumber },
    select: { messages: { orderBy: { seq: 'asc' }, select: { id: true, seq: true, direction: true, authorKind: true, text: true, buttons: true } } },
  });
  if (!ticket) throw new NotFoundError(`ticket #${ticketNumber} not found`);
  const messages = ticket.messages;
  if (input.messageId && input.text) throw new ValidationError('give messageId or text, not both', 'text');

  const agentReplies = messages.filter((m) => m.authorKind === 'agent');
  const reply = input.messageId ? messages.find((m) => m.id === input.messageId) : input.text ? undefined : agentReplies.at(-1);
  if (input.messageId && reply?.authorKind !== 'agent') {
    throw new ValidationError(`message ${input.messageId} is not an agent reply in ticket #${ticketNumber}`, 'messageId');
  }
  const body = input.text ?? reply?.text;
  if (!body?.trim()) throw new ValidationError(`ticket #${ticketNumber} has no agent reply: give the answer as text`, 'text');

  const questions = input.questions ?? customerQuestions(messages, reply?.seq);
  const title = input.title ?? (questions[0] ? asTitle(questions[0]) : undefined);
  if (!title) throw new ValidationError(`no customer question found in ticket #${ticketNumber}: give title and questions`, 'title');
  return {
    title,
    lang: input.lang ?? detectLanguage([title, ...questions].join(' ') || body),
    body: body.trim(),
    questions,
    category: input.category ?? null,
    tags: input.tags ?? [],
  };
}

type Row = { seq: bigint; direction: string; authorKind: string; text: string; buttons: unknown };

/**
 * What the customer asked before the reply: their messages since the previous agent reply (the
 * ones this reply answered), or all earlier ones if that leaves nothing. Button presses, "yes"/"no",
 * requests for a person and one-word noise are not questions.
 */
function customerQuestions(messages: Row[], replySeq: bigint | undefined): string[] {
  const before = replySeq === undefined ? messages : messages.filter((m) => m.seq < replySeq);
  const labels = new Set(before.flatMap((m) => (Array.isArray(m.buttons) ? (m.buttons as Array<{ label?: unknown }>).map((b) => String(b.label)) : [])));
  const asked = (m: Row) => m.authorKind === 'customer' && isQuestion(m.text, labels);
  const lastAgent = before.findLast((m) => m.authorKind === 'agent');
  const recent = lastAgent ? before.filter((m) => m.seq > lastAgent.seq && asked(m)) : [];
  const chosen = recent.length ? recent : before.filter(asked);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of chosen) {
    const text = m.text.trim().replace(/\s+/g, ' ');
    const key = normalize(text);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(text.slice(0, 500));
  }
  return out.slice(0, MAX_QUESTIONS);
}

function isQuestion(text: string, buttonLabels: Set<string>): boolean {
  const t = text.trim();
  if (normalize(t).replace(/ /g, '').length < 3 || buttonLabels.has(t)) return false;
  return !wantsHuman(t) && parseFeedback(t) === null;
}

/** "когда привезут мой заказ" → "Когда привезут мой заказ". */
function asTitle(question: string): string {
  const t = question.trim().slice(0, TITLE_MAX);
  return t.charAt(0).toUpperCase() + t.slice(1);
}
