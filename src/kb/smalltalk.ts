/**
 * Small talk: a message that is only a greeting ("привет", "hello") or only a thank-you or
 * goodbye ("спасибо!", "ok thanks bye", or a "yes, thanks" to a question already answered). It asks nothing the knowledge base could answer, so
 * searching it would hand the customer to a person for saying hello; the bot answers it itself.
 */
import { normalize } from './normalize.js';

/** What a small-talk message does: opens the conversation, or closes it. */
export type SmallTalk = 'greeting' | 'closing';

const GREETING = new Set([
  'привет', 'приветик', 'приветствую', 'здравствуйте', 'здравствуй', 'здрасте', 'здрасьте', 'добрый', 'доброе', 'доброй',
  'день', 'вечер', 'утро', 'ночи', 'хай', 'салют', 'алло', 'ау',
  'hi', 'hello', 'hey', 'hiya', 'howdy', 'greetings', 'good', 'morning', 'afternoon', 'evening', 'yo', 'anyone', 'there',
]);
const CLOSING = new Set([
  'спасибо', 'спс', 'благодарю', 'пасиб', 'пока', 'свидания', 'всего', 'доброго', 'понятно', 'ясно', 'хорошо', 'ок', 'окей',
  'да', 'помогло', 'помог',
  'thanks', 'thank', 'thx', 'ty', 'cheers', 'appreciate', 'it', 'bye', 'goodbye', 'ok', 'okay', 'got', 'great', 'cool',
  'yes', 'yep', 'yeah', 'helped',
]);
// Words that go with either without making a question of it.
const FILLER = new Set([
  'большое', 'огромное', 'вам', 'всем', 'ещё', 'еще', 'раз', 'до', 'ребята', 'и', 'а', 'ну', 'всё', 'все',
  'you', 'very', 'much', 'a', 'lot', 'so', 'again', 'all', 'guys', 'and', 'oh', 'then', 'there',
]);
/** Longer messages say something more than hello or thanks. */
const MAX_WORDS = 6;

/** The kind of small talk a message is, or null when it says anything more. */
export function smallTalk(text: string): SmallTalk | null {
  const words = normalize(text).split(' ').filter(Boolean);
  if (words.length === 0 || words.length > MAX_WORDS) return null;
  if (!words.every((w) => GREETING.has(w) || CLOSING.has(w) || FILLER.has(w))) return null;
  // "спасибо, пока" and "hi, thanks" close; a greeting needs a greeting word ("good" or "there" alone is not one).
  if (words.some((w) => CLOSING.has(w))) return 'closing';
  if (words.some((w) => GREETING.has(w) && !FILLER.has(w) && w !== 'good')) return 'greeting';
  return null;
}
