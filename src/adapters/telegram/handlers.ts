/**
 * The update handlers: what each kind of update becomes. Installed on a grammy `Bot`, they run
 * the same way for long polling and for the webhook (see ./adapter.ts `handleUpdate`).
 *
 *   message          → InboundMessage (in groups only when addressed to the bot: ./groups.ts)
 *   edited_message   → InboundEdit (sink.edit)
 *   callback_query   → InboundMessage with buttonId (or a topic from /start), then answered
 *   /start /help /agent /status → ./commands.ts
 */
import type { Bot, Context } from 'grammy';
import type { Message } from 'grammy/types';
import type { DeskTopics } from '../../core/deskConfig.js';
import type { InboundMessage } from '../../core/model.js';
import type { Logger } from '../../logger.js';
import type { InboundSink } from '../adapter.js';
import type { FileFetcher } from './attachments.js';
import { isHashed, matchCallbackData, pressedLabel } from './buttons.js';
import * as commands from './commands.js';
import { addressedToBot, isGroupChat, withoutMention } from './groups.js';
import { hasContent, messageKey, senderOf, toInboundEdit, toInboundMessage, type InboundExtras } from './inbound.js';
import type { TelegramStore } from './store.js';
import { langOf, TELEGRAM_TEXTS } from './texts.js';

/** The core could not take the update (database down …): handling it again later may work. */
export class SinkUnavailable extends Error {
  override name = 'SinkUnavailable';
  constructor(override readonly cause: unknown) {
    super(`the core did not take the update: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Ingests a Telegram message (with extras); throws SinkUnavailable when the core fails. */
export type Ingest = (msg: Message, extras?: InboundExtras) => Promise<void>;

export interface HandlerDeps {
  sink: InboundSink;
  store: TelegramStore;
  desk: DeskTopics;
  fetchFile: FileFetcher;
  /** Ids of buttons recently sent as hashed callback data (this instance's memory). */
  recentHashedButtons: () => Iterable<string>;
  log: Logger;
}

export function installHandlers(bot: Bot, deps: HandlerDeps): void {
  const ingestMessage = async (message: InboundMessage): Promise<void> => {
    try {
      await deps.sink.ingest(message);
    } catch (err) {
      throw new SinkUnavailable(err);
    }
  };
  const ingest: Ingest = (msg, extras) => ingestMessage(toInboundMessage(msg, deps.fetchFile, extras));
  const commandDeps = { desk: deps.desk, store: deps.store, ingest };

  // Other bots (in groups) are never customers.
  bot.use(async (ctx, next) => {
    if (ctx.from?.is_bot) return;
    await next();
  });

  bot.command('start', (ctx) => commands.start(ctx, commandDeps));
  bot.command('help', (ctx) => commands.help(ctx));
  bot.command('status', (ctx) => commands.status(ctx, commandDeps));
  bot.command('agent', (ctx) => commands.agent(ctx, commandDeps));

  bot.on('message', async (ctx) => {
    const msg = ctx.message;
    const text = addressedText(msg, ctx);
    if (text === null) return;
    await ingest(msg, { text });
  });

  bot.on('edited_message', async (ctx) => {
    const msg = ctx.editedMessage;
    // Only a changed text or caption is an edit for the desk (live locations arrive as edits too).
    const text = msg.text === undefined && msg.caption === undefined ? null : addressedText(msg, ctx);
    const edit = text === null ? null : toInboundEdit(msg, text);
    if (!edit) return;
    let known: boolean;
    try {
      known = await deps.sink.edit(edit);
    } catch (err) {
      throw new SinkUnavailable(err);
    }
    // Telegram sends edits of messages we never took (a group's chatter): nothing to record.
    if (!known) deps.log.debug({ chatId: edit.chatId, messageId: edit.messageId }, 'telegram edit of an unknown message');
  });

  bot.on('callback_query:data', async (ctx) => {
    const query = ctx.callbackQuery;
    const message = query.message;
    const lang = langOf(query.from.language_code);
    // A press on an inline-mode message has no chat: not one of ours.
    if (!message) {
      await ctx.answerCallbackQuery().catch(() => undefined);
      return;
    }
    const id = await resolveButton(query.data, message.chat.id, message.message_id, deps);
    if (id === undefined) {
      await ctx.answerCallbackQuery({ text: TELEGRAM_TEXTS[lang].buttonExpired }).catch(() => undefined);
      return;
    }
    // Stop the button's spinner first: the customer sees the press was taken.
    await ctx.answerCallbackQuery().catch((err: unknown) => deps.log.debug({ err: String(err) }, 'answerCallbackQuery failed'));
    const label = pressedLabel(message, query.data) ?? id;
    const base: InboundMessage = {
      channel: 'telegram',
      chatId: String(message.chat.id),
      // Callback query ids are unique: a redelivered press is stored once.
      messageId: `cb:${query.id}`,
      from: senderOf(query.from, message.chat),
      text: label,
      sentAt: new Date(),
      replyToMessageId: messageKey(message.chat.id, message.message_id),
    };
    const topic = id.startsWith(commands.TOPIC_PREFIX) ? deps.desk.categories.find((c) => c.path === id.slice(commands.TOPIC_PREFIX.length)) : undefined;
    if (topic) {
      await ingestMessage({ ...base, text: topic.title[lang], topic: topic.path });
      // A topic is picked once: take the keyboard away.
      await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
      return;
    }
    await ingestMessage({ ...base, buttonId: id });
  });
}

/**
 * The text to take from a message, or null when the desk should ignore it: in a group, anything
 * not addressed to the bot; anywhere, a message with nothing in it (joins, pins …).
 */
function addressedText(msg: Message, ctx: Context): string | null {
  const own = msg.text ?? msg.caption ?? '';
  if (!isGroupChat(msg.chat)) return hasContent(msg) ? own : null;
  if (!addressedToBot(msg, ctx.me)) return null;
  if (!hasContent(msg)) return null;
  // "@shop_bot" alone keeps its text: better than an empty message.
  return withoutMention(own, ctx.me) || own;
}

/**
 * The button id behind a press. Plain callback data is the id; a hash is matched against the
 * ids this instance sent lately, the desk's topics, and the buttons stored with the message.
 */
async function resolveButton(data: string, chatId: number, messageId: number, deps: HandlerDeps): Promise<string | undefined> {
  if (!isHashed(data)) return data;
  const topics = deps.desk.categories.map((c) => commands.topicButtonId(c.path));
  const known = matchCallbackData(data, [...deps.recentHashedButtons(), ...topics]);
  if (known) return known;
  const stored = await deps.store.buttonsOf(messageKey(chatId, messageId)).catch(() => []);
  return matchCallbackData(data, stored.map((b) => b.id));
}
