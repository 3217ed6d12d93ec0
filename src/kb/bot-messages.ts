/**
 * Turns the bot's plan into the messages the customer sees, in their language. Buttons go on
 * every message that asks something; on channels that cannot show buttons the text itself says
 * how to answer ("reply yes or no", a numbered list), and typed answers are understood everywhere.
 */
import type { Channel } from '../core/model.js';
import type { OutgoingMessage } from '../core/outbox.js';
import type { KbArticle, KbLang } from './article.js';
import type { BotPlan } from './bot-plan.js';
import { markdownToPlain } from './plain-text.js';
import { kbButtonId } from './replies.js';
import { BOT_TEXTS } from './texts.js';

/**
 * Channels whose customers see buttons. The API channel passes them in its webhook payload for
 * the integrator to render; WhatsApp (whatsapp-web.js) has no dependable buttons.
 */
const CHANNELS_WITH_BUTTONS: ReadonlySet<Channel> = new Set<Channel>(['widget', 'api', 'telegram', 'vk', 'slack']);

export function channelHasButtons(channel: Channel): boolean {
  return CHANNELS_WITH_BUTTONS.has(channel);
}

/** The bot's messages for a plan (one today; a list so a plan may say more later). */
export function renderPlan(plan: BotPlan, lang: KbLang, channel: Channel): OutgoingMessage[] {
  const t = BOT_TEXTS[lang];
  const buttons = channelHasButtons(channel);
  const bot = (text: string, withButtons: OutgoingMessage['buttons'] = []): OutgoingMessage => ({
    authorKind: 'bot',
    authorName: t.botName,
    text,
    buttons: withButtons,
  });
  switch (plan.action) {
    case 'answer':
      return [
        bot(`${articleText(plan.article)}\n\n${t.helpful}${buttons ? '' : ` ${t.helpfulHint}`}`, [
          { id: kbButtonId.yes(plan.article.id), label: t.yes },
          { id: kbButtonId.no(plan.article.id), label: t.no },
        ]),
      ];
    case 'suggest': {
      const list = plan.candidates.map((c, i) => `${i + 1}. ${c.article.title}`).join('\n');
      return [
        bot(buttons ? t.didYouMean : `${t.didYouMean}\n${list}\n\n${t.chooseHint}`, [
          ...plan.candidates.map((c) => ({ id: kbButtonId.article(c.article.id), label: c.article.title })),
          { id: kbButtonId.human, label: t.human },
        ]),
      ];
    }
    case 'deflected':
      return [bot(t.thanks)];
    case 'smalltalk':
      return plan.kind === 'greeting' ? [bot(t.greeting, [{ id: kbButtonId.human, label: t.human }])] : [bot(t.closing)];
    case 'handoff':
      return [bot(t.handoff[plan.reason])];
  }
}

/** An article as the customer reads it: the title, then the body as plain text. */
export function articleText(article: KbArticle): string {
  return `${article.title}\n\n${markdownToPlain(article.body)}`;
}
