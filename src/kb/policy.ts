/**
 * The bot's decision for one customer message, as a pure function of the
 * ranked KB candidates: answer, offer a few articles, or hand off to a human.
 */
import type { KbCandidate } from './article.js';
import { normalize } from './normalize.js';

/** Confidence cut-offs: answer at or above `answer`, suggest at or above `suggest`. */
export interface PolicyThresholds {
  answer: number;
  suggest: number;
}

/**
 * Defaults derived with bench/kb/calibrate.ts (bench/kb/README.md), where
 * confidence is the fitted probability that the top article is right:
 * `answer` is the lowest round cut-off where answered precision is ≥ 95 % on
 * every BANKING77 set with 10 example questions per article (the shape of the
 * KBs the matcher is checked on); `suggest` is the lowest one that hands
 * ≥ 80 % of out-of-scope questions (intents held out of the KB) to a human in
 * both the English and the Russian set. KBs with only a few example
 * questions per article match less reliably: raise `answer` for them.
 */
export const DEFAULT_THRESHOLDS: PolicyThresholds = { answer: 0.85, suggest: 0.65 };

/** What the bot does with a message. */
export type BotDecision =
  | { kind: 'answer'; candidate: KbCandidate }
  | { kind: 'suggest'; candidates: KbCandidate[] }
  | { kind: 'handoff'; reason: 'no_match' };

/** How many articles a suggestion offers. */
export const SUGGEST_COUNT = 3;

/**
 * When the runner-up too explains this much of the query, the question is ambiguous rather than
 * unknown ("доставка", "returns": several articles fit all of it), so the bot offers the articles
 * even below `suggest`. On the BANKING77 sets it turns 15 of the English dev split's 405 in-scope
 * hand-offs into suggestions (14 with the right article among them) and no out-of-scope question
 * (bench/kb/README.md, "Thresholds").
 */
export const AMBIGUOUS_EXPLAINED = 0.8;

/** Decide from candidates sorted best first (as KbIndex.search returns them). */
export function decide(candidates: readonly KbCandidate[], t: PolicyThresholds = DEFAULT_THRESHOLDS): BotDecision {
  const top = candidates[0];
  if (top && top.confidence >= t.answer) return { kind: 'answer', candidate: top };
  const ambiguous = (candidates[1]?.explained ?? 0) >= AMBIGUOUS_EXPLAINED;
  if (top && (top.confidence >= t.suggest || ambiguous)) return { kind: 'suggest', candidates: candidates.slice(0, SUGGEST_COUNT) };
  return { kind: 'handoff', reason: 'no_match' };
}

/**
 * Whole-word regexp over normalized text. JavaScript's \b only knows ASCII
 * letters, so Cyrillic needs explicit letter look-arounds.
 */
function words(source: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${source})(?![\\p{L}\\p{N}])`, 'u');
}

// Words that ask for a person on their own, anywhere in the message.
const STRONG = [
  words('оператор\\p{L}*'),
  words('жив\\p{L}* (человек|сотрудник|менеджер|консультант)\\p{L}*'),
  words('позовите|позвать|позови|соедините|переключите'),
  words('operator|operators|human|humans|agent|agents|representative|rep'),
  words('(real|live|actual) (person|human|people)'),
];
// Words that mean a person only in a very short message ("человек?") or
// right after a request ("хочу поговорить с человеком", "talk to a person"),
// since "человек" or "someone" also appear in ordinary questions.
const WEAK_WORDS =
  'человек\\p{L}*|менеджер\\p{L}*|сотрудник\\p{L}*|специалист\\p{L}*|консультант\\p{L}*|person|someone|somebody|manager|staff|people';
const REQUEST_WORDS =
  'хочу|нужен|нужна|нужно|дайте|давайте|можно|связаться|связать|поговорить|говорить|пообщаться|talk|speak|chat|connect|want|need';
const WEAK = words(WEAK_WORDS);
const REQUESTED = words(`(${REQUEST_WORDS})( \\p{L}+){0,2} (${WEAK_WORDS})`);

/** True when the customer asks for a human agent ("оператор", "живой человек", "talk to a human"). */
export function wantsHuman(text: string): boolean {
  const s = normalize(text);
  if (s === '') return false;
  if (STRONG.some((re) => re.test(s))) return true;
  if (REQUESTED.test(s)) return true;
  return WEAK.test(s) && s.split(' ').length <= 3;
}
