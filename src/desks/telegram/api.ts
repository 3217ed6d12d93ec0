/**
 * The Bot API calls the Telegram desk makes (grammy's `Api`, with the desk bot's token), and the
 * agents' groups' flood limit.
 *
 * Rate limit: Telegram lets a bot post about 20 messages a minute into one group. Every post
 * (and topic creation or rename, which posts a service message) first takes a send slot of its
 * group from the delivery worker's Redis limiter: one timeline per group for all instances, slots
 * handed out in turn, so a burst waits here instead of meeting Telegram's 429. A 429 that comes
 * anyway is a `TelegramDeskRateLimited` with Telegram's retry_after; the caller waits it out.
 */
import { randomUUID } from 'node:crypto';
import { Api, GrammyError, InputFile } from 'grammy';
import type { MessageEntity, ReactionTypeEmoji } from 'grammy/types';
import { describe } from '../../adapters/telegram/errors.js';
import { timeoutSignal } from '../../adapters/telegram/signal.js';
import { SendRateLimiter } from '../../core/delivery/rateLimit.js';
import type { Redis } from '../../redis.js';

/** Telegram asked us to slow down: wait `retryAfterMs`, then try again. */
export class TelegramDeskRateLimited extends Error {
  override name = 'TelegramDeskRateLimited';
  constructor(readonly retryAfterMs: number) {
    super(`telegram: too many requests, retry after ${retryAfterMs} ms`);
  }
}

/** The topic a post was meant for is gone (deleted by an admin): the ticket needs a new one. */
export class TopicGone extends Error {
  override name = 'TopicGone';
}

export interface DeskApiOptions {
  token: string;
  /** The Bot API root, without a trailing slash. */
  apiRoot: string;
  timeoutMs: number;
  redis: Redis;
  /** Key prefix of the groups' send slots, e.g. `omnidesk:rate:telegram-desk`. */
  ratePrefix: string;
  /** Posts a minute per group (Telegram: about 20). */
  postsPerMinute: number;
}

/** Where a post goes inside the group: a forum topic, and/or in reply to a message. */
export interface PostPlace {
  threadId?: number;
  replyTo?: number;
}

/** How long "is this group a forum?" is remembered (it changes only when an admin turns topics on or off). */
const FORUM_TTL_MS = 5 * 60_000;
/** While waiting for a slot, `keepAlive` is called at least this often. */
const KEEPALIVE_MS = 20_000;
/** Uploads get at least this long. */
const MIN_UPLOAD_MS = 60_000;

export class TelegramDeskApi {
  readonly api: Api;
  private readonly forums = new Map<string, { forum: boolean; at: number }>();

  constructor(private readonly o: DeskApiOptions) {
    this.api = new Api(o.token, { apiRoot: o.apiRoot, timeoutSeconds: Math.ceil(o.timeoutMs / 1000) + 5 });
  }

  /**
   * Waits for the group's next post slot (shared by every instance, handed out in turn). Resolves
   * false when `signal` aborts first. `keepAlive` runs now and then during a long wait.
   */
  async slot(chatId: string, signal: AbortSignal, keepAlive?: () => Promise<void>): Promise<boolean> {
    const limiter = new SendRateLimiter(this.o.redis, `${this.o.ratePrefix}:${chatId}`);
    const id = randomUUID();
    let lastAlive = Date.now();
    while (!signal.aborted) {
      const wait = await limiter.acquire({ channel: 'telegram', chatId, messageId: id, limits: { perSecond: this.o.postsPerMinute / 60 } });
      if (wait <= 0) return true;
      await sleep(Math.min(wait, KEEPALIVE_MS), signal);
      if (keepAlive && Date.now() - lastAlive >= KEEPALIVE_MS) {
        lastAlive = Date.now();
        await keepAlive();
      }
    }
    return false;
  }

  /** The bot's own user (getMe). */
  me(): Promise<{ id: number; username: string }> {
    return this.call(() => this.api.getMe(timeoutSignal(this.o.timeoutMs)));
  }

  /** True when the group has topics (a forum supergroup); remembered for a few minutes. */
  async isForum(chatId: string): Promise<boolean> {
    const known = this.forums.get(chatId);
    if (known && Date.now() - known.at < FORUM_TTL_MS) return known.forum;
    const chat = await this.call(() => this.api.getChat(chatId, timeoutSignal(this.o.timeoutMs)));
    const forum = 'is_forum' in chat && chat.is_forum === true;
    this.forums.set(chatId, { forum, at: Date.now() });
    return forum;
  }

  /** Creates a forum topic; resolves with its thread id. */
  async createTopic(chatId: string, name: string): Promise<number> {
    const topic = await this.call(() => this.api.createForumTopic(chatId, name, {}, timeoutSignal(this.o.timeoutMs)));
    return topic.message_thread_id;
  }

  async renameTopic(chatId: string, threadId: number, name: string): Promise<void> {
    await this.call(() => this.api.editForumTopic(chatId, threadId, { name }, timeoutSignal(this.o.timeoutMs)), { notModifiedOk: true });
  }

  /** Posts a text (with `entities`, e.g. text mentions, when given); resolves with its message id. */
  async send(chatId: string, text: string, place: PostPlace = {}, entities?: MessageEntity[]): Promise<number> {
    const other = { ...options(place), link_preview_options: { is_disabled: true }, ...(entities?.length ? { entities } : {}) };
    const sent = await this.call(() => this.api.sendMessage(chatId, text, other, timeoutSignal(this.o.timeoutMs)));
    return sent.message_id;
  }

  /** Posts a file (a photo as a photo, anything else as a document); resolves with its message id. */
  async sendFile(chatId: string, file: { data: Buffer; name: string; photo: boolean }, caption: string, place: PostPlace = {}): Promise<number> {
    const input = new InputFile(file.data, file.name);
    const other = { ...options(place), ...(caption ? { caption: caption.slice(0, 1024) } : {}) };
    const signal = timeoutSignal(Math.max(this.o.timeoutMs, MIN_UPLOAD_MS));
    const sent = await this.call<{ message_id: number }>(() => (file.photo ? this.api.sendPhoto(chatId, input, other, signal) : this.api.sendDocument(chatId, input, other, signal)));
    return sent.message_id;
  }

  /** Edits a message's text (the ticket card); an unchanged text is not an error. */
  async edit(chatId: string, messageId: number, text: string): Promise<void> {
    await this.call(() => this.api.editMessageText(chatId, messageId, text, { link_preview_options: { is_disabled: true } }, timeoutSignal(this.o.timeoutMs)), { notModifiedOk: true });
  }

  /** A reaction on an agent's message: the quiet "done" (it posts nothing, so it costs no slot). */
  async react(chatId: string, messageId: number, emoji: ReactionTypeEmoji['emoji']): Promise<void> {
    await this.call(() => this.api.setMessageReaction(chatId, messageId, [{ type: 'emoji', emoji }], {}, timeoutSignal(this.o.timeoutMs)));
  }

  /** Runs a call, turning Telegram's answers into what the desk acts on. */
  private async call<T>(run: () => Promise<T>, o: { notModifiedOk?: boolean } = {}): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof GrammyError) {
        if (err.error_code === 429) {
          const seconds = err.parameters.retry_after;
          throw new TelegramDeskRateLimited(typeof seconds === 'number' ? seconds * 1000 : 1000);
        }
        const text = err.description.toLowerCase();
        if (o.notModifiedOk && err.error_code === 400 && text.includes('not_modified')) return true as T;
        if (o.notModifiedOk && err.error_code === 400 && text.includes('not modified')) return true as T;
        if (err.error_code === 400 && (text.includes('thread not found') || text.includes('topic_deleted') || text.includes('topic_id_invalid'))) {
          throw new TopicGone(describe(err));
        }
      }
      throw err;
    }
  }
}

function options(place: PostPlace): { message_thread_id?: number; reply_parameters?: { message_id: number; allow_sending_without_reply: boolean } } {
  return {
    ...(place.threadId !== undefined ? { message_thread_id: place.threadId } : {}),
    ...(place.replyTo !== undefined ? { reply_parameters: { message_id: place.replyTo, allow_sending_without_reply: true } } : {}),
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
