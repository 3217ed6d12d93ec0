/**
 * How a customer answers the bot: a button press (on channels with buttons), or a short typed
 * reply ("да", "no", "2") on any channel.
 */
import { normalize } from './normalize.js';

/** A press of one of the bot's buttons. */
export type KbButton = { kind: 'yes' | 'no' | 'article'; articleId: string } | { kind: 'human' };

/**
 * Button ids of the bot's messages. They carry the article, so a press is understood whenever it
 * comes, and on whichever instance handles it.
 */
export const kbButtonId = {
  yes: (articleId: string) => `kb:yes:${articleId}`,
  no: (articleId: string) => `kb:no:${articleId}`,
  article: (articleId: string) => `kb:article:${articleId}`,
  human: 'kb:human',
};

/** Reads a button id; null for buttons that are not the bot's. */
export function parseKbButton(buttonId: string | undefined | null): KbButton | null {
  if (!buttonId) return null;
  if (buttonId === kbButtonId.human) return { kind: 'human' };
  const m = /^kb:(yes|no|article):(.+)$/.exec(buttonId);
  return m ? { kind: m[1] as 'yes' | 'no' | 'article', articleId: m[2]! } : null;
}

const YES = new Set([
  'да', 'ага', 'угу', 'конечно', 'помогло', 'помог', 'помогли', 'спасибо', 'спс', 'благодарю', 'отлично', 'супер', 'ок', 'окей',
  'yes', 'yep', 'yeah', 'yup', 'y', 'sure', 'thanks', 'thank', 'thx', 'helped', 'great', 'perfect', 'ok', 'okay',
]);
const NO = new Set(['нет', 'неа', 'не', 'no', 'nope', 'nah', 'not', 'n']);
// Words that may go with a yes or a no without making it a new question.
const FILLER = new Set([
  'большое', 'очень', 'всё', 'все', 'понятно', 'это', 'мне', 'так', 'вам', 'пожалуйста', 'совсем', 'правда',
  'it', 'did', 'does', 'this', 'that', 'help', 'was', 'very', 'much', 'you', 'all', 'good', 'really', 'please', 'so', 'a', 'lot',
]);
/** Longer messages are new questions, not answers to "did this help?". */
const MAX_REPLY_WORDS = 5;

/**
 * A typed answer to "did this help?": "да, спасибо" → yes, "не помогло" → no. Anything with a
 * word that is neither ("да, а сколько стоит доставка") is a new question: null.
 */
export function parseFeedback(text: string): 'yes' | 'no' | null {
  if (text.includes('?')) return null;
  const words = normalize(text).split(' ').filter(Boolean);
  if (words.length === 0 || words.length > MAX_REPLY_WORDS) return null;
  if (!words.every((w) => YES.has(w) || NO.has(w) || FILLER.has(w))) return null;
  // A negation anywhere wins: "спасибо, но не помогло" is a no.
  if (words.some((w) => NO.has(w))) return 'no';
  if (words.some((w) => YES.has(w))) return 'yes';
  return null;
}

/** A typed pick from a numbered list ("2", "#2", "2."): the 0-based index, or null. */
export function parseChoice(text: string, count: number): number | null {
  const m = /^\s*(?:#|№)?\s*(\d{1,2})\s*[.)]?\s*$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= count ? n - 1 : null;
}
