/**
 * What the Telegram adapter itself says (the command replies), in Russian and English. The
 * conversation's own messages (the KB bot's, the agents') come from the core; these are only
 * the chat's furniture: the greeting, the help, the ticket list.
 */
import type { Lang } from '../../core/deskConfig.js';
import type { TicketStatus } from '../../core/model.js';

export type { Lang };

export interface TelegramTexts {
  greeting(name: string | undefined): string;
  /** Added under the greeting when the desk has topics to pick from. */
  pickTopic: string;
  help: string;
  statusNone: string;
  statusHeader: string;
  status: Record<TicketStatus, string>;
  /** Ticket list line: "#1001 · in progress · Where is my order?" */
  noSubject: string;
  /** A callback button we cannot map back any more (a very old keyboard). */
  buttonExpired: string;
  /** Shown briefly when a button press was taken. */
  pressed: string;
}

export const TELEGRAM_TEXTS: Record<Lang, TelegramTexts> = {
  ru: {
    greeting: (name) =>
      `Здравствуйте${name ? `, ${name}` : ''}! Это служба поддержки. Напишите ваш вопрос прямо сюда: бот-помощник ответит сразу, а если нужно, подключится оператор.`,
    pickTopic: 'Или выберите тему:',
    help: [
      'Напишите вопрос в этот чат, можно с фото или файлом: бот-помощник ответит сразу, оператор подключится, когда нужно.',
      '',
      '/start — выбрать тему',
      '/agent — позвать оператора',
      '/status — ваши открытые обращения',
      '/help — эта справка',
      '',
      'В группе упомяните бота (@имя) или ответьте на его сообщение, чтобы вопрос попал в поддержку.',
    ].join('\n'),
    statusNone: 'У вас нет открытых обращений. Напишите вопрос, и мы ответим здесь.',
    statusHeader: 'Ваши открытые обращения:',
    status: { new: 'новое', open: 'в работе', pending: 'ждёт ответа', resolved: 'решено', closed: 'закрыто' },
    noSubject: 'без темы',
    buttonExpired: 'Эта кнопка устарела: напишите, пожалуйста, ваш вопрос.',
    pressed: 'Принято',
  },
  en: {
    greeting: (name) =>
      `Hello${name ? `, ${name}` : ''}! This is customer support. Write your question right here: our helper bot answers at once, and a person joins when needed.`,
    pickTopic: 'Or pick a topic:',
    help: [
      'Write your question in this chat, with a photo or a file if you like: the helper bot answers at once, and a person joins when needed.',
      '',
      '/start — pick a topic',
      '/agent — talk to a person',
      '/status — your open requests',
      '/help — this help',
      '',
      'In a group, mention the bot (@name) or reply to its message to reach support.',
    ].join('\n'),
    statusNone: 'You have no open requests. Write your question and we will answer here.',
    statusHeader: 'Your open requests:',
    status: { new: 'new', open: 'in progress', pending: 'waiting for you', resolved: 'resolved', closed: 'closed' },
    noSubject: 'no subject',
    buttonExpired: 'This button has expired: please write your question.',
    pressed: 'Got it',
  },
};

/** Languages whose speakers get the Russian texts (Telegram's `language_code`, IETF tag). */
const RUSSIAN_READERS = new Set(['ru', 'uk', 'be', 'kk']);

/** The language to greet in, from Telegram's `language_code` ("ru", "en-US" …); English otherwise. */
export function langOf(code: string | undefined): Lang {
  const primary = code?.toLowerCase().split(/[-_]/)[0];
  return primary && RUSSIAN_READERS.has(primary) ? 'ru' : 'en';
}
