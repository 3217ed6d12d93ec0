/**
 * Learning from tickets: an agent's good reply becomes a new article, with the customer's own
 * words as its example questions, so the next customer who asks the same gets it from the bot
 * once an admin has published it (the route saves it as a draft).
 *
 * The draft leaves out the customer's personal data the reply obviously carries:
 * - in the body, the customer's name (the ticket contact's, and the one their channel gave): the
 *   full name (any case) and each part of it as written (capitalized, so "Вера" the name goes but
 *   "веры" the word stays; other grammatical cases of a name are not recognized), with
 *   the comma or space before it ("Здравствуйте, Мария Иванова!" → "Здравствуйте!"), and the
 *   contact's email and phone as written;
 * - in the title and questions taken from the customer's messages, runs of 5 or more digits
 *   (order, card or phone numbers, with a "№"/"#" before them) and email addresses; the same
 *   numbers are taken out of the body too ("Где мой заказ 12345?" → "Где мой заказ?").
 * A title or questions the agent gives are kept as given. It is a draft: the admin who
 * publishes it reads it first.
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { Db } from '../db/prisma.js';
import type { KbLang } from './article.js';
import { normalize, detectLanguage } from './normalize.js';
import { wantsHuman } from './policy.js';
import { parseFeedback } from './replies.js';
import { isStopword } from './stopwords.js';

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
    select: {
      contact: { select: { name: true, email: true, phone: true } },
      messages: { orderBy: { seq: 'asc' }, select: { id: true, seq: true, direction: true, authorKind: true, authorName: true, text: true, buttons: true } },
    },
  });
  if (!ticket) throw new NotFoundError(`ticket #${ticketNumber} not found`);
  const messages = ticket.messages;
  if (input.messageId && input.text) throw new ValidationError('give messageId or text, not both', 'text');

  const agentReplies = messages.filter((m) => m.authorKind === 'agent');
  const reply = input.messageId ? messages.find((m) => m.id === input.messageId) : input.text ? undefined : agentReplies.at(-1);
  if (input.messageId && reply?.authorKind !== 'agent') {
    throw new ValidationError(`message ${input.messageId} is not an agent reply in ticket #${ticketNumber}`, 'messageId');
  }
  const answer = input.text ?? reply?.text;
  if (!answer?.trim()) throw new ValidationError(`ticket #${ticketNumber} has no agent reply: give the answer as text`, 'text');

  const asked = customerQuestions(messages, reply?.seq);
  const questions = input.questions ?? unique(asked.map(withoutNumbers).filter((q) => normalize(q).length >= 3)).slice(0, MAX_QUESTIONS);
  const title = input.title ?? (questions[0] ? asTitle(questions[0]) : undefined);
  if (!title) throw new ValidationError(`no customer question found in ticket #${ticketNumber}: give title and questions`, 'title');
  // Names as the contact holds them, and as the customer's channel gave them on their messages.
  const names = [ticket.contact.name, ...messages.filter((m) => m.authorKind === 'customer').map((m) => m.authorName)];
  const secrets = [ticket.contact.email, ticket.contact.phone, ...asked.flatMap((q) => q.match(NUMBERS) ?? [])];
  const body = withoutPersonalData(answer, names, secrets);
  if (!body) throw new ValidationError(`the reply in ticket #${ticketNumber} is nothing but the customer's name: give the answer as text`, 'text');
  return {
    title,
    lang: input.lang ?? detectLanguage([title, ...questions].join(' ') || body),
    body,
    questions,
    category: input.category ?? null,
    tags: input.tags ?? [],
  };
}

type Row = { seq: bigint; direction: string; authorKind: string; text: string; buttons: unknown };

/** Order, card and phone numbers (5+ digits, maybe after "№" or "#") and email addresses. */
const NUMBERS = /(?:[№#]\s*)?\+?\d(?:[ ()-]?\d){4,}|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu;

/** A question without the customer's numbers and addresses, tidied: "Где мой заказ 12345?" → "Где мой заказ?". */
function withoutNumbers(text: string): string {
  return tidy(text.replace(NUMBERS, ' '));
}

const MARK = '\uE000';

/**
 * The reply without the customer's name, email, phone and numbers: each becomes a mark, then a mark
 * goes with the comma or space before it when punctuation follows ("Здравствуйте, Мария!" →
 * "Здравствуйте!"), with the comma after it at the start of a sentence ("Мария, ваш заказ…" →
 * "Ваш заказ…"), or alone anywhere else.
 */
function withoutPersonalData(text: string, names: Array<string | null>, secrets: Array<string | null>): string {
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const word = (source: string, flags: string) => new RegExp(`(?<![\\p{L}\\p{N}])(?:${source})(?![\\p{L}\\p{N}])`, flags);
  let out = text.trim();
  // Emails and numbers first: a name may be part of an address.
  for (const secret of unique(secrets.map((x) => x?.trim() ?? '').filter((x) => x.length >= 5))) out = out.split(secret).join(MARK);
  const fullNames = unique(names.map((n) => n?.trim().replace(/\s+/g, ' ') ?? '').filter((n) => n.includes(' ')));
  // Longest first, so "Мария Иванова" goes as one before "Мария".
  for (const full of fullNames.sort((a, b) => b.length - a.length)) out = out.replace(word(esc(full).replace(/ /g, '\\s+'), 'giu'), MARK);
  const parts = unique(names.flatMap((n) => n?.trim().split(/\s+/) ?? []).filter((p) => /^\p{Lu}\p{L}+$/u.test(p)));
  for (const part of parts) out = out.replace(word(esc(part), 'gu'), MARK);
  return tidy(
    out
      .replace(new RegExp(`${MARK}(?:[ \\t]+${MARK})+`, 'g'), MARK)
      // "Мария, ваш заказ…" at the start of a line or sentence.
      .replace(new RegExp(`(^|[.!?][ \\t]+)${MARK}[ \\t]*[,!:]?[ \\t]*(\\p{Ll})?`, 'gmu'), (_m, lead: string, next: string | undefined) => lead + (next?.toUpperCase() ?? ''))
      // "Здравствуйте, Мария!" / "Hi Maria, …"
      .replace(new RegExp(`[ \\t]*,?[ \\t]*(?:[№#][ \\t]*)?${MARK}(?=[ \\t]*[!?.,:;)]|[ \\t]*$)`, 'gmu'), '')
      .replace(new RegExp(`(?:[№#][ \\t]*)?${MARK}`, 'g'), ' '),
  );
}

/** Spaces collapsed (line breaks kept) and none left before punctuation. */
function tidy(text: string): string {
  return text
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[ \t]+([!?.,:;)])/g, '$1')
    .replace(/\([ \t]*\)/g, '')
    .replace(/^[ \t]*[,;:][ \t]*/gm, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/[ \t]*[,;:]+\s*$/, '')
    .trim();
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

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
    const text = withoutPersonRequest(m.text.trim().replace(/\s+/g, ' '));
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
  if (parseFeedback(t) !== null) return false;
  if (!wantsHuman(t)) return true;
  // "Списали деньги дважды! оператор" asks something besides a person; "оператор, пожалуйста" does not.
  const rest = withoutPersonRequest(t);
  return !wantsHuman(rest) && normalize(rest).split(' ').some((w) => w.length >= 3 && !FILLER.has(w) && !isStopword(w));
}

/** Ways of asking for a person, as whole words; what is left of a message without them may be a question. */
const PERSON_REQUEST = new RegExp(
  '(?<![\\p{L}\\p{N}])(?:(?:please|pls|пожалуйста)[ ,]+)?(?:(?:позовите|позови|позвать|соедините|переключите|дайте|хочу|нужен|нужна|можно|давайте|talk|speak|connect|want|need|get)(?:[ ,]+(?:с|со|на|мне|me|to|with|a|an|the|real|live))*[ ,]+)?' +
    '(?:оператор\\p{L}*|жив\\p{L}* (?:человек|сотрудник|менеджер|консультант)\\p{L}*|(?:real|live|actual) (?:person|human|people)|operators?|humans?|agents?|representative)' +
    '(?:[ ,]+(?:please|pls|пожалуйста))?(?![\\p{L}\\p{N}])[!.?]*',
  'giu',
);
/** Words that say nothing of the question once the request for a person is gone. */
const FILLER = new Set(
  'пожалуйста срочно ответьте ответь уже сейчас здравствуйте привет хочу нужен нужна поговорить позовите соедините переключите please urgent answer reply now hello talk speak want need connect'.split(' '),
);

/** "Списали деньги дважды за один заказ! оператор" → "Списали деньги дважды за один заказ!". */
function withoutPersonRequest(text: string): string {
  if (!wantsHuman(text)) return text;
  return tidy(text.replace(PERSON_REQUEST, ' ')).replace(/^[,.!?\s-]+/, '');
}

/** "когда привезут мой заказ" → "Когда привезут мой заказ". */
function asTitle(question: string): string {
  const t = question.trim().slice(0, TITLE_MAX);
  return t.charAt(0).toUpperCase() + t.slice(1);
}
