/**
 * The bot's commands. They are the chat's furniture and answer directly (they are not part of
 * any ticket), except /agent, which is the customer saying "a person, please" and so goes to
 * the core like any message:
 *
 *   /start   greets in the customer's language (RU/EN) with the desk's topics as buttons
 *   /help    what the bot does and how to use it in a group
 *   /agent   a message the KB bot reads as a request for a person (its "human" button)
 *   /status  the customer's open tickets with their status
 */
import type { CommandContext, Context } from 'grammy';
import { topicsFor, type DeskTopics } from '../../core/deskConfig.js';
import { kbButtonId } from '../../kb/replies.js';
import { BOT_TEXTS } from '../../kb/texts.js';
import { inlineKeyboard } from './buttons.js';
import { isGroupChat } from './groups.js';
import type { Ingest } from './handlers.js';
import type { TelegramStore } from './store.js';
import { langOf, TELEGRAM_TEXTS } from './texts.js';

/** Button ids of the /start topics: `topic:<category path>`. */
export const TOPIC_PREFIX = 'topic:';

export function topicButtonId(path: string): string {
  return `${TOPIC_PREFIX}${path}`;
}

/** The commands as the Telegram menu lists them, per language. */
export const COMMAND_MENU = {
  en: [
    { command: 'start', description: 'Pick a topic' },
    { command: 'agent', description: 'Talk to a person' },
    { command: 'status', description: 'Your open requests' },
    { command: 'help', description: 'Help' },
  ],
  ru: [
    { command: 'start', description: 'Выбрать тему' },
    { command: 'agent', description: 'Позвать оператора' },
    { command: 'status', description: 'Ваши открытые обращения' },
    { command: 'help', description: 'Справка' },
  ],
};

export interface CommandDeps {
  desk: DeskTopics;
  store: TelegramStore;
  ingest: Ingest;
}

type Ctx = CommandContext<Context>;

export async function start(ctx: Ctx, deps: CommandDeps): Promise<void> {
  const lang = langOf(ctx.from?.language_code);
  const t = TELEGRAM_TEXTS[lang];
  const topics = topicsFor(deps.desk, lang);
  const greeting = t.greeting(ctx.from?.first_name);
  if (!topics.length) {
    await ctx.reply(greeting);
    return;
  }
  await ctx.reply(`${greeting}\n\n${t.pickTopic}`, {
    reply_markup: inlineKeyboard(topics.map((topic) => ({ id: topicButtonId(topic.id), label: topic.label }))),
  });
}

export async function help(ctx: Ctx): Promise<void> {
  await ctx.reply(TELEGRAM_TEXTS[langOf(ctx.from?.language_code)].help);
}

export async function status(ctx: Ctx, deps: CommandDeps): Promise<void> {
  const t = TELEGRAM_TEXTS[langOf(ctx.from?.language_code)];
  const chat = ctx.chat;
  const tickets = await deps.store.openTickets({ chatId: String(chat.id), userId: String(ctx.from?.id ?? ''), group: isGroupChat(chat) });
  if (!tickets.length) {
    await ctx.reply(t.statusNone);
    return;
  }
  const lines = tickets.map((ticket) => `#${ticket.number} · ${t.status[ticket.status]} · ${ticket.subject?.split('\n')[0]?.trim() || t.noSubject}`);
  await ctx.reply([t.statusHeader, ...lines].join('\n'));
}

/** Hands the core a request for a person: the KB bot's own "human" button, with its label as the text. */
export async function agent(ctx: Ctx, deps: CommandDeps): Promise<void> {
  const label = BOT_TEXTS[langOf(ctx.from?.language_code)].human;
  // "/agent my parcel is lost": keep what they said after the command.
  const said = typeof ctx.match === 'string' ? ctx.match.trim() : '';
  await deps.ingest(ctx.msg, { text: said ? `${label}: ${said}` : label, buttonId: kbButtonId.human });
}
