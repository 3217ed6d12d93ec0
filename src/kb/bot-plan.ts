/**
 * The bot's dialogue policy for one customer message, as a pure function: given the message,
 * what the bot last asked, and the knowledge base, what should it do?
 *
 *   asks for a person (words or the button) ─────────────▶ handoff
 *   "yes" to "did this help?" (button or typed) ─────────▶ deflected (resolved by the bot)
 *   "no" ─────────────────────────────────────────────────▶ handoff
 *   picks an offered article (button or its number) ─────▶ answer with it
 *   only hello, or only thanks / bye ────────────────────▶ small talk (a greeting, or a goodbye)
 *   anything else: search ─▶ confident ▶ answer · unsure ▶ suggest top 3 · no match ▶ handoff
 *
 * A "yes" or "no" button counts only while its question is the bot's last word: pressed later
 * (an old message on Telegram, a page reloaded), it is read as the words on it.
 */
import type { Button } from '../core/model.js';
import type { KbArticle, KbCandidate } from './article.js';
import type { SearchOptions } from './kb-index.js';
import { decide, wantsHuman, type PolicyThresholds } from './policy.js';
import { parseChoice, parseFeedback, parseKbButton } from './replies.js';
import { smallTalk, type SmallTalk } from './smalltalk.js';
import type { HandoffReason } from './texts.js';

/** What the bot's latest message asked, while it is still the last word in the ticket. */
export type BotPrompt = { kind: 'feedback'; articleId: string } | { kind: 'choice'; articleIds: string[] };

export type BotPlan =
  | { action: 'answer'; article: KbArticle; confidence: number | null }
  | { action: 'suggest'; candidates: KbCandidate[] }
  | { action: 'deflected'; articleId: string }
  | { action: 'smalltalk'; kind: SmallTalk }
  | { action: 'handoff'; reason: HandoffReason; confidence: number | null };

/** The part of the knowledge base the policy reads. */
export interface KbLookup {
  search(text: string, options?: SearchOptions): KbCandidate[];
  get(id: string): KbArticle | undefined;
}

export interface TurnInput {
  text: string;
  buttonId?: string | undefined;
  prompt: BotPrompt | null;
}

/** How many candidates the search returns to the policy. */
const SEARCH_LIMIT = 5;

export function planTurn(input: TurnInput, kb: KbLookup, thresholds: PolicyThresholds): BotPlan {
  const button = parseKbButton(input.buttonId);
  // A press of one of our buttons means exactly that, whatever its label says (a yes or a no while its question is open).
  if (button?.kind === 'human') return { action: 'handoff', reason: 'asked_for_human', confidence: null };
  const open = (b: { articleId: string }): boolean => input.prompt?.kind === 'feedback' && input.prompt.articleId === b.articleId;
  if (button?.kind === 'yes' && open(button)) return { action: 'deflected', articleId: button.articleId };
  if (button?.kind === 'no' && open(button)) return { action: 'handoff', reason: 'not_helpful', confidence: null };
  if (button?.kind === 'article') {
    const article = kb.get(button.articleId);
    // An article deleted since it was offered: fall through and read the label as a question.
    if (article) return { action: 'answer', article, confidence: null };
  }

  if (wantsHuman(input.text)) return { action: 'handoff', reason: 'asked_for_human', confidence: null };

  if (input.prompt?.kind === 'feedback') {
    const feedback = parseFeedback(input.text);
    if (feedback === 'yes') return { action: 'deflected', articleId: input.prompt.articleId };
    if (feedback === 'no') return { action: 'handoff', reason: 'not_helpful', confidence: null };
  }
  if (input.prompt?.kind === 'choice') {
    const offered = input.prompt.articleIds.map((id) => kb.get(id)).filter((a): a is KbArticle => Boolean(a));
    const i = parseChoice(input.text, input.prompt.articleIds.length);
    const picked = i === null ? undefined : kb.get(input.prompt.articleIds[i]!);
    // Typing an offered title (as on a channel without buttons) picks it too.
    const byTitle = offered.find((a) => a.title.trim().toLowerCase() === input.text.trim().toLowerCase());
    if (picked ?? byTitle) return { action: 'answer', article: (picked ?? byTitle)!, confidence: null };
  }

  const talk = smallTalk(input.text);
  if (talk) return { action: 'smalltalk', kind: talk };

  const candidates = kb.search(input.text, { limit: SEARCH_LIMIT });
  const decision = decide(candidates, thresholds);
  if (decision.kind === 'answer') return { action: 'answer', article: decision.candidate.article, confidence: decision.candidate.confidence };
  if (decision.kind === 'suggest') return { action: 'suggest', candidates: decision.candidates };
  return { action: 'handoff', reason: 'no_match', confidence: candidates[0]?.confidence ?? null };
}

/** Reads what a bot message asked from its buttons (they carry the article ids). */
export function promptOf(buttons: readonly Button[]): BotPrompt | null {
  const parsed = buttons.map((b) => parseKbButton(b.id));
  const yes = parsed.find((b) => b?.kind === 'yes');
  if (yes && yes.kind === 'yes') return { kind: 'feedback', articleId: yes.articleId };
  const offered = parsed.flatMap((b) => (b?.kind === 'article' ? [b.articleId] : []));
  return offered.length ? { kind: 'choice', articleIds: offered } : null;
}
