/**
 * Everything the knowledge-base bot says to customers, in Russian and English. Kept in one
 * place so wording is reviewed (and translated) together.
 */
import type { KbLang } from './article.js';

/** Why the bot gave a ticket to a person. */
export type HandoffReason = 'asked_for_human' | 'no_match' | 'not_helpful';

export interface BotTexts {
  /** The author name of bot messages (the widget shows it above the bubble). */
  botName: string;
  helpful: string;
  /** Added where the channel cannot show buttons. */
  helpfulHint: string;
  yes: string;
  no: string;
  /** The button that asks for a person. */
  human: string;
  didYouMean: string;
  /** Added under the numbered list where the channel cannot show buttons. */
  chooseHint: string;
  thanks: string;
  /** The answer to a bare "hello". */
  greeting: string;
  /** The answer to a bare "thanks", "ok" or "bye". */
  closing: string;
  handoff: Record<HandoffReason, string>;
}

export const BOT_TEXTS: Record<KbLang, BotTexts> = {
  ru: {
    botName: 'Бот-помощник',
    helpful: 'Это помогло?',
    helpfulHint: 'Ответьте «да» или «нет».',
    yes: 'Да, помогло',
    no: 'Нет',
    human: 'Позвать оператора',
    didYouMean: 'Возможно, вы имели в виду:',
    chooseHint: 'Ответьте номером статьи или напишите «оператор», чтобы позвать человека.',
    thanks: 'Рад, что помог! Если появятся ещё вопросы, просто напишите сюда.',
    greeting: 'Здравствуйте! Напишите ваш вопрос — я постараюсь ответить сразу. Если нужен человек, напишите «оператор».',
    closing: 'Всегда рад помочь! Если появятся ещё вопросы, просто напишите сюда.',
    handoff: {
      asked_for_human: 'Передаю ваш вопрос оператору: он ответит здесь, как только освободится.',
      no_match: 'Я не нашёл готового ответа на этот вопрос и передал его оператору: он ответит здесь.',
      not_helpful: 'Жаль, что не помогло. Передаю ваш вопрос оператору: он ответит здесь.',
    },
  },
  en: {
    botName: 'Helper bot',
    helpful: 'Did this help?',
    helpfulHint: 'Reply "yes" or "no".',
    yes: 'Yes, thanks',
    no: 'No',
    human: 'Talk to a person',
    didYouMean: 'Did you mean:',
    chooseHint: 'Reply with the number of an article, or write "agent" to talk to a person.',
    thanks: 'Glad it helped! If you have another question, just write here.',
    greeting: 'Hello! Write your question and I will try to answer it right away. To talk to a person, write "agent".',
    closing: 'Happy to help! If you have another question, just write here.',
    handoff: {
      asked_for_human: 'I am passing your question to an agent: they will reply here as soon as they can.',
      no_match: 'I could not find a ready answer to this, so I passed it to an agent: they will reply here.',
      not_helpful: 'Sorry it did not help. I am passing your question to an agent: they will reply here.',
    },
  },
};
