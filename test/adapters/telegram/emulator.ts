/**
 * Telegram for tests: the `telegram-test-api` Bot API emulator, with a small recorder in front.
 * The adapter talks to the recorder (TELEGRAM_API_ROOT), which:
 *
 * - passes what the emulator knows (getMe, sendMessage, answerCallbackQuery …) through to it;
 * - answers what it lacks: getFile and the file download, sendPhoto/sendDocument/… (multipart
 *   uploads or URLs; recorded, and stored as bot messages so a chat's history shows them),
 *   setMyCommands, and setWebhook, relaying the emulator's webhook calls to the app with the
 *   `X-Telegram-Bot-Api-Secret-Token` header, as Telegram does;
 * - holds `getUpdates` open until there is an update (the emulator's own returns at once, and
 *   ignores `timeout`), and lets a test inject raw updates (edits, redeliveries);
 * - enforces Telegram's limits the emulator ignores (4096-character texts, 64-byte callback data);
 * - plays a misbehaving platform: the next calls of a method answer 429 or another error
 *   (`failNext`), or every connection is dropped (`setDown`);
 * - plays the agents' groups of the Telegram desk: forum supergroups (`forum`) with
 *   createForumTopic / editForumTopic / close / reopen / delete, `message_thread_id` on sends and
 *   on user messages, getChat (`is_forum`), setMessageReaction, and a group's flood limit
 *   (`limitChat`: sends over it answer 429 with retry_after, as Telegram does);
 * - serves a second bot (DESK_BOT_TOKEN, a desk bot of its own): calls, updates and messages
 *   are kept per token, and getMe answers for the token asked.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { freePort } from '../../../scripts/lib/net.js';

export { freePort };

export const BOT_TOKEN = '123456789:TEST-telegram-token_for-the-emulator';
/** Who the emulator's getMe says the bot is. */
export const BOT = { id: 666, username: 'TestNameBot' };
/** A second bot (the Telegram desk's own, TELEGRAM_DESK_BOT_TOKEN), and who getMe says it is. */
export const DESK_BOT_TOKEN = '987654321:TEST-desk-bot-token_for-the-emulator';
export const DESK_BOT = { id: 777, username: 'DeskTestBot' };

export interface PlannedError {
  status: number;
  description: string;
  retryAfter?: number;
  /** Only a call to this chat gets the error (other chats' calls go through meanwhile). */
  chatId?: number;
}

/** A call the recorder saw. */
export interface Call {
  method: string;
  /** The bot token the call was made with. */
  token: string;
  body: Record<string, unknown>;
  at: number;
  /** The HTTP status answered (0: the connection was dropped). */
  status: number;
}

/** A message the bot sent, as the emulator stored it (media included, by the recorder). */
export interface BotMessage {
  messageId: number;
  chatId: string;
  text: string;
  replyMarkup?: { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
  replyParameters?: { message_id: number };
  /** Entities sent with the text (e.g. `text_mention`). */
  entities?: Array<{ type: string; offset: number; length: number; user?: { id: number } }>;
  media?: { method: string; name?: string; mimeType?: string; data?: Buffer; url?: string };
  /** The forum topic it was posted in (`message_thread_id`). */
  threadId?: number;
  at: number;
}

/** A forum topic the bot created, as it stands now. */
export interface ForumTopic {
  threadId: number;
  chatId: string;
  name: string;
  iconColor?: number;
  closed: boolean;
  deleted: boolean;
  /** Every name it was given, the first one included. */
  names: string[];
}

type RawUpdate = { update_id: number } & Record<string, unknown>;

export interface TelegramUser {
  chatId: number;
  userId: number;
  /** Writes a message; resolves with its message id once the emulator has it. */
  say(text: string, extra?: Record<string, unknown>): Promise<number>;
  /** Sends a command ("/start"), with a bot_command entity as Telegram does. */
  command(text: string, extra?: Record<string, unknown>): Promise<number>;
  /** Presses an inline button of a message the bot sent. */
  press(message: BotMessage, label: string): Promise<void>;
  /** The bot's messages in this chat so far (of the bot this user talks to). */
  botMessages(): BotMessage[];
  /** Waits for the bot's n-th message (1-based) in this chat. */
  botMessage(n: number, timeoutMs?: number): Promise<BotMessage>;
  /** Waits for a bot message in this chat whose text matches. */
  waitForText(match: RegExp | string, timeoutMs?: number): Promise<BotMessage>;
}

export interface TelegramEmulator {
  /** The API root the adapter uses (the recorder). */
  apiRoot: string;
  server: TelegramServer;
  calls: Call[];
  /** Every update handed out by getUpdates, in order. */
  delivered: RawUpdate[];
  /** The webhook as the bot set it (url and secret). */
  webhook: { url: string; secret?: string; allowedUpdates?: unknown } | null;
  /** Where relayed webhook calls really go (the app's local address): the "reverse proxy". */
  deliverWebhooksTo(baseUrl: string): void;
  /** Answers the next calls of `method` with these errors in turn (`null`: that call goes through), then normally. */
  failNext(method: string, errors: Array<PlannedError | null>): void;
  /** Forgets the errors still planned for `method`. */
  clearFailures(method: string): void;
  setDown(down: boolean): void;
  /** Registers a file the bot can getFile and download; returns its Telegram description. */
  addFile(data: Buffer): { file_id: string; file_unique_id: string; file_size: number };
  /** Queues a raw update for the next getUpdates (an edit, a redelivery …); returns its update_id. */
  inject(update: Record<string, unknown>, updateId?: number, token?: string): number;
  /**
   * A user writing to the bot (`botToken`, default BOT_TOKEN). `forum: true` makes the chat a
   * forum supergroup (getChat says `is_forum`); pass `message_thread_id` in `extra` to write in a topic.
   */
  user(options: { chatId: number; userId?: number; firstName?: string; lastName?: string; userName?: string; languageCode?: string; type?: 'private' | 'group' | 'supergroup'; title?: string; forum?: boolean; botToken?: string }): TelegramUser;
  /** The bot's messages (of `token`, default BOT_TOKEN), in one chat or all. */
  bot(chatId?: number | string, token?: string): BotMessage[];
  /** Declares a chat getChat knows (a forum supergroup when `forum`), before any user writes there. */
  chat(chatId: number, options?: { forum?: boolean; title?: string; type?: 'group' | 'supergroup' }): void;
  /** The forum topics created in a chat, in order. */
  topics(chatId: number | string): ForumTopic[];
  /** A group's flood limit: more than `max` sends to the chat within `windowMs` answer 429 (retry_after: the time left). */
  limitChat(chatId: number | string, max: number, windowMs: number): void;
  close(): Promise<void>;
}

export async function startTelegramEmulator(): Promise<TelegramEmulator> {
  const server = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 3600 });
  await server.start();
  const emulatorUrl = server.config.apiURL;

  const calls: Call[] = [];
  const delivered: RawUpdate[] = [];
  const planned = new Map<string, Array<PlannedError | null>>();
  const files = new Map<string, Buffer>();
  /** Per bot token: raw updates a test queued, and updates handed out but not yet confirmed. */
  const injectedOf = new Map<string, RawUpdate[]>();
  const injected = (token: string): RawUpdate[] => injectedOf.get(token) ?? (injectedOf.set(token, []), injectedOf.get(token)!);
  /** Chats getChat knows: their type, title and whether they are forums. */
  const chats = new Map<string, { type: string; title: string; forum: boolean }>();
  const topics = new Map<string, ForumTopic[]>();
  /** Flood limits per chat, and the times of recent sends to it. */
  const limits = new Map<string, { max: number; windowMs: number; sends: number[] }>();
  const wake = new EventEmitter();
  wake.setMaxListeners(100);
  for (const event of ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery']) server.on(event, () => wake.emit('update'));
  let down = false;
  let webhook: TelegramEmulator['webhook'] = null;
  let webhookTarget: string | null = null;
  const media = new Map<number, BotMessage['media']>();

  const recorder = http.createServer((req, res) => {
    if (down) {
      calls.push({ method: methodOf(req.url), token: tokenOf(req.url), body: {}, at: Date.now(), status: 0 });
      req.socket.destroy();
      return;
    }
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 500, description: String(err) }));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://recorder');
    const raw = await readBody(req);

    // The file server: GET /file/bot<token>/<path>.
    const fileMatch = /^\/file\/bot[^/]+\/files\/(.+)$/.exec(url.pathname);
    if (fileMatch) {
      const data = files.get(decodeURIComponent(fileMatch[1]!));
      calls.push({ method: 'file', token: '', body: {}, at: Date.now(), status: data ? 200 : 404 });
      if (!data) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length }).end(data);
      return;
    }

    // The emulator's webhook calls, relayed to the app with the secret header.
    if (url.pathname === '/__webhook') {
      if (!webhook || !webhookTarget) return void res.writeHead(502).end();
      const relayed = await fetch(`${webhookTarget}${new URL(webhook.url).pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(webhook.secret ? { 'x-telegram-bot-api-secret-token': webhook.secret } : {}) },
        body: new Uint8Array(raw),
      });
      res.writeHead(relayed.status, { 'content-type': 'application/json' }).end(await relayed.text());
      return;
    }

    const method = methodOf(req.url);
    const token = tokenOf(req.url);
    const body = await parseBody(req.headers['content-type'] ?? '', raw);
    const call: Call = { method, token, body: strip(body), at: Date.now(), status: 200 };
    calls.push(call);
    const answer = (status: number, json: unknown): void => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    const ok = (result: unknown): void => answer(200, { ok: true, result });
    const fail = (status: number, description: string, parameters?: Record<string, unknown>): void =>
      answer(status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });

    const queue = planned.get(method) ?? [];
    const index = queue.findIndex((p) => p?.chatId === undefined || String(p.chatId) === String(body.chat_id));
    const plan = index === -1 ? undefined : queue.splice(index, 1)[0];
    if (plan) return fail(plan.status, plan.description, plan.retryAfter !== undefined ? { retry_after: plan.retryAfter } : undefined);

    // The agents' groups: forum topics, and Telegram's checks on them.
    const chatKey = body.chat_id === undefined ? '' : String(body.chat_id);
    const threadId = body.message_thread_id === undefined ? undefined : Number(body.message_thread_id);
    if (SENDS.has(method) && threadId !== undefined && chats.get(chatKey)?.forum) {
      const topic = topics.get(chatKey)?.find((x) => x.threadId === threadId);
      if (!topic || topic.deleted) return fail(400, 'Bad Request: message thread not found');
    }
    if (SENDS.has(method) || method === 'createForumTopic' || method === 'editForumTopic') {
      const limit = limits.get(chatKey);
      if (limit) {
        const now = Date.now();
        limit.sends = limit.sends.filter((at) => at > now - limit.windowMs);
        if (limit.sends.length >= limit.max) {
          const retryAfter = Math.max(1, Math.ceil((limit.sends[0]! + limit.windowMs - now) / 1000));
          return fail(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
        }
        limit.sends.push(now);
      }
    }

    switch (method) {
      case 'getMe':
        if (token === BOT_TOKEN) break;
        return ok({ id: DESK_BOT.id, is_bot: true, first_name: 'Desk', username: DESK_BOT.username });
      case 'getChat': {
        const chat = chats.get(chatKey);
        if (!chat) return fail(400, 'Bad Request: chat not found');
        return ok({ id: Number(chatKey), type: chat.type, title: chat.title, ...(chat.forum ? { is_forum: true } : {}) });
      }
      case 'createForumTopic': {
        const chat = chats.get(chatKey);
        if (!chat) return fail(400, 'Bad Request: chat not found');
        if (!chat.forum) return fail(400, 'Bad Request: the chat is not a forum');
        const name = String(body.name ?? '');
        if (!name || name.length > 128) return fail(400, 'Bad Request: TOPIC_NAME_INVALID');
        // The topic's id is the id of its "topic created" service message.
        const id = (server as unknown as { messageId: number }).messageId++;
        const topic: ForumTopic = { threadId: id, chatId: chatKey, name, closed: false, deleted: false, names: [name], ...(body.icon_color !== undefined ? { iconColor: Number(body.icon_color) } : {}) };
        topics.set(chatKey, [...(topics.get(chatKey) ?? []), topic]);
        return ok({ message_thread_id: id, name, icon_color: topic.iconColor ?? 7322096 });
      }
      case 'editForumTopic':
      case 'closeForumTopic':
      case 'reopenForumTopic':
      case 'deleteForumTopic': {
        const topic = topics.get(chatKey)?.find((x) => x.threadId === threadId);
        if (!topic || topic.deleted) return fail(400, 'Bad Request: TOPIC_ID_INVALID');
        if (method === 'editForumTopic' && body.name !== undefined) {
          const name = String(body.name);
          if (!name || name.length > 128) return fail(400, 'Bad Request: TOPIC_NAME_INVALID');
          if (name === topic.name) return fail(400, 'Bad Request: TOPIC_NOT_MODIFIED');
          topic.name = name;
          topic.names.push(name);
        }
        if (method === 'closeForumTopic') topic.closed = true;
        if (method === 'reopenForumTopic') topic.closed = false;
        if (method === 'deleteForumTopic') topic.deleted = true;
        return ok(true);
      }
      case 'setMessageReaction':
        return ok(true);
      case 'getUpdates': {
        const updates = await getUpdates(token, body.offset === undefined ? undefined : Number(body.offset), Number(body.timeout ?? 0), res);
        if (updates) ok(updates);
        return;
      }
      case 'getFile': {
        const fileId = String(body.file_id ?? '');
        const data = files.get(fileId);
        if (!data) return fail(400, 'Bad Request: invalid file_id');
        return ok({ file_id: fileId, file_unique_id: `u-${fileId}`, file_size: data.length, file_path: `files/${fileId}` });
      }
      case 'setWebhook': {
        webhook = { url: String(body.url), ...(body.secret_token ? { secret: String(body.secret_token) } : {}), allowedUpdates: body.allowed_updates };
        // The emulator posts updates to us; we relay them with the secret.
        await passThrough('setWebhook', { url: `${recorderUrl}/__webhook` });
        return ok(true);
      }
      case 'deleteWebhook':
        webhook = null;
        await passThrough('deleteWebhook', {});
        return ok(true);
      case 'getWebhookInfo':
        return ok({ url: webhook?.url ?? '', has_custom_certificate: false, pending_update_count: 0 });
      case 'setMyCommands':
      case 'deleteMyCommands':
      case 'sendChatAction':
        return ok(true);
      case 'sendMessage': {
        const text = String(body.text ?? '');
        if (!text.trim()) return fail(400, 'Bad Request: message text is empty');
        if (text.length > 4096) return fail(400, 'Bad Request: message is too long');
        if (tooLongCallbackData(body.reply_markup)) return fail(400, 'Bad Request: BUTTON_DATA_INVALID');
        const result = await passThrough('sendMessage', body, token);
        res.writeHead(result.status, { 'content-type': 'application/json' }).end(result.text);
        call.status = result.status;
        return;
      }
      case 'sendPhoto':
      case 'sendDocument':
      case 'sendVideo':
      case 'sendAudio':
      case 'sendVoice':
      case 'sendSticker':
      case 'sendLocation':
      case 'sendContact': {
        if (tooLongCallbackData(body.reply_markup)) return fail(400, 'Bad Request: BUTTON_DATA_INVALID');
        const field = method.slice(4).toLowerCase();
        const file = body[field];
        const described = isUpload(file) ? { name: file.name, data: file.data } : typeof file === 'string' ? { url: file } : {};
        const stored = server.addBotMessage(
          {
            chat_id: String(body.chat_id),
            text: String(body.caption ?? ''),
            ...(body.reply_markup ? { reply_markup: json(body.reply_markup) } : {}),
            ...(threadId !== undefined ? { message_thread_id: threadId } : {}),
          } as never,
          token,
        );
        media.set(stored.message_id, { method, ...described });
        return ok({ ...stored, text: undefined, ...(field === 'photo' ? { photo: [{ file_id: 'sent', file_unique_id: 'sent', width: 1, height: 1 }] } : {}) });
      }
      default:
        break;
    }
    const result = await passThrough(method, body, token);
    call.status = result.status;
    res.writeHead(result.status, { 'content-type': 'application/json' }).end(result.text);
  }

  async function passThrough(method: string, body: Record<string, unknown>, token = BOT_TOKEN): Promise<{ status: number; text: string }> {
    const res = await fetch(`${emulatorUrl}/bot${token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  }

  /**
   * Long polling as Telegram does it: updates stay until a later call's `offset` confirms them,
   * so an answer lost on the way is sent again. Waits (up to `timeout` s) while there is nothing.
   * Injected updates are handed out once, whatever the offset (a redelivery the test forces).
   */
  const unconfirmedOf = new Map<string, RawUpdate[]>();
  const handedOut = new Set<number>();
  async function getUpdates(token: string, offset: number | undefined, timeoutSeconds: number, res: http.ServerResponse): Promise<RawUpdate[] | null> {
    const unconfirmed = unconfirmedOf.get(token) ?? (unconfirmedOf.set(token, []), unconfirmedOf.get(token)!);
    const drain = (): void => void unconfirmed.push(...(server.getUpdates(token) as unknown as RawUpdate[]).map(clean));
    if (offset !== undefined) unconfirmed.splice(0, unconfirmed.length, ...unconfirmed.filter((u) => u.update_id >= offset));
    drain();
    if (!unconfirmed.length && !injected(token).length && timeoutSeconds > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          wake.off('update', done);
          res.off('close', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(timeoutSeconds, 25) * 1000);
        wake.on('update', done);
        // The poller went away (an outage cut it, it was stopped): do not hand it anything.
        res.on('close', done);
      });
    }
    if (res.destroyed || res.writableEnded) return null;
    drain();
    const updates = [...unconfirmed, ...injected(token).splice(0)];
    for (const u of updates) {
      if (!handedOut.has(u.update_id) || !unconfirmed.includes(u)) delivered.push(u);
      handedOut.add(u.update_id);
    }
    return updates;
  }

  // Open connections (a held long poll among them), so an outage can cut them as a real one would.
  const sockets = new Set<net.Socket>();
  recorder.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const recorderUrl = await new Promise<string>((resolve) => {
    recorder.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(recorder.address() as net.AddressInfo).port}`));
  });

  const botMessages = (chatId?: number | string, token = BOT_TOKEN): BotMessage[] =>
    server.storage.botMessages
      .filter((u) => u.botToken === token && (chatId === undefined || String(u.message.chat_id) === String(chatId)))
      .map((u) => {
        const m = u.message as unknown as Record<string, unknown>;
        const markup = json(m.reply_markup) as BotMessage['replyMarkup'];
        const reply = json(m.reply_parameters) as BotMessage['replyParameters'];
        const entities = json(m.entities) as BotMessage['entities'];
        const extra = media.get(u.messageId);
        return {
          messageId: u.messageId,
          chatId: String(m.chat_id),
          text: String(m.text ?? ''),
          ...(markup ? { replyMarkup: markup } : {}),
          ...(reply ? { replyParameters: reply } : {}),
          ...(entities ? { entities } : {}),
          ...(extra ? { media: extra } : {}),
          ...(m.message_thread_id !== undefined ? { threadId: Number(m.message_thread_id) } : {}),
          at: u.time,
        };
      });
  /** User messages are added one at a time (see `user`). */
  let adding: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = adding.then(work);
    adding = run.catch(() => undefined);
    return run;
  };
  const declare = (chatId: number, o: { forum?: boolean; title?: string; type?: string }): void => {
    const known = chats.get(String(chatId));
    chats.set(String(chatId), { type: o.type ?? known?.type ?? 'supergroup', title: o.title ?? known?.title ?? 'Agents', forum: o.forum ?? known?.forum ?? false });
  };

  return {
    apiRoot: recorderUrl,
    server,
    calls,
    delivered,
    get webhook() {
      return webhook;
    },
    deliverWebhooksTo(baseUrl) {
      webhookTarget = baseUrl;
    },
    failNext(method, errors) {
      planned.set(method, [...(planned.get(method) ?? []), ...errors]);
    },
    clearFailures(method) {
      planned.delete(method);
    },
    setDown(value) {
      down = value;
      if (value) for (const socket of sockets) socket.destroy();
    },
    addFile(data) {
      const id = `file-${randomBytes(6).toString('hex')}`;
      files.set(id, data);
      return { file_id: id, file_unique_id: `u-${id}`, file_size: data.length };
    },
    inject(update, updateId = (server as unknown as { updateId: number }).updateId++, token = BOT_TOKEN) {
      injected(token).push({ ...update, update_id: updateId });
      wake.emit('update');
      return updateId;
    },
    user(o) {
      const type = o.forum ? 'supergroup' : (o.type ?? 'private');
      const botToken = o.botToken ?? BOT_TOKEN;
      const userId = o.userId ?? Math.abs(o.chatId);
      const client = server.getClient(botToken, { chatId: o.chatId, userId, firstName: o.firstName ?? 'Olga', userName: o.userName ?? `user${userId}`, type, chatTitle: o.title ?? o.firstName ?? 'Olga' });
      const from = { id: userId, is_bot: false, first_name: o.firstName ?? 'Olga', ...(o.lastName ? { last_name: o.lastName } : {}), username: o.userName ?? `user${userId}`, ...(o.languageCode ? { language_code: o.languageCode } : {}) };
      const chat = type === 'private' ? { id: o.chatId, type, first_name: from.first_name, username: from.username } : { id: o.chatId, type, title: o.title ?? 'ACME', ...(o.forum ? { is_forum: true } : {}) };
      if (type !== 'private') declare(o.chatId, { type, ...(o.title ? { title: o.title } : {}), ...(o.forum ? { forum: true } : {}) });
      // The id the emulator gives the next user message (it is taken when the message is added).
      const nextMessageId = (): number => (server as unknown as { messageId: number }).messageId;
      // The emulator bumps its message id only after the add completes: two adds at once would share one id.
      const self: TelegramUser = {
        chatId: o.chatId,
        userId,
        say: (text, extra = {}) =>
          serially(async () => {
            const id = nextMessageId();
            await server.addUserMessage({ ...client.makeMessage(text), from, chat, ...extra } as never);
            return id;
          }),
        command: (text, extra = {}) =>
          serially(async () => {
            const id = nextMessageId();
            await server.addUserCommand({ ...client.makeCommand(text), from, chat, ...extra } as never);
            return id;
          }),
        async press(message, label) {
          const key = message.replyMarkup?.inline_keyboard.flat().find((k) => k.text === label);
          if (!key) throw new Error(`no button "${label}" on message ${message.messageId}: ${JSON.stringify(message.replyMarkup)}`);
          await server.addUserCallback({
            botToken,
            date: Math.floor(Date.now() / 1000),
            from,
            data: key.callback_data,
            message: { message_id: message.messageId, date: Math.floor(message.at / 1000), chat, from: { id: BOT.id, is_bot: true, first_name: 'Bot', username: BOT.username }, text: message.text, reply_markup: message.replyMarkup },
          } as never);
        },
        botMessages: () => botMessages(o.chatId, botToken),
        botMessage: (n, timeoutMs = 10_000) => waitFor(() => botMessages(o.chatId, botToken)[n - 1], timeoutMs, `bot message #${n} in chat ${o.chatId}`),
        waitForText: (match, timeoutMs = 10_000) =>
          waitFor(() => botMessages(o.chatId, botToken).find((m) => (typeof match === 'string' ? m.text === match : match.test(m.text))), timeoutMs, `a bot message matching ${String(match)} in chat ${o.chatId}`),
      };
      return self;
    },
    bot: botMessages,
    chat(chatId, o = {}) {
      declare(chatId, o);
    },
    topics: (chatId) => [...(topics.get(String(chatId)) ?? [])],
    limitChat(chatId, max, windowMs) {
      limits.set(String(chatId), { max, windowMs, sends: [] });
    },
    async close() {
      down = false;
      await new Promise<void>((resolve) => {
        recorder.close(() => resolve());
        recorder.closeAllConnections();
      });
      await server.stop();
    },
  };
}

/** Polls until `check` returns something, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

function methodOf(url: string | undefined): string {
  return /^\/bot[^/]+\/([\w]+)/.exec(url ?? '')?.[1] ?? (url ?? '');
}

function tokenOf(url: string | undefined): string {
  return /^\/bot([^/]+)\//.exec(url ?? '')?.[1] ?? '';
}

/** Methods that post a message into a chat (each counts against a group's flood limit). */
const SENDS = new Set(['sendMessage', 'sendPhoto', 'sendDocument', 'sendVideo', 'sendAudio', 'sendVoice', 'sendSticker', 'sendLocation', 'sendContact']);

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** An uploaded file, as the recorder parsed it from a multipart body. */
export interface UploadedFile {
  name: string;
  data: Buffer;
}

/** JSON, form or multipart bodies (grammy uploads files as multipart/form-data, fields `attach://<id>`). */
async function parseBody(contentType: string, raw: Buffer): Promise<Record<string, unknown>> {
  if (!raw.length) return {};
  if (contentType.startsWith('application/json')) return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  if (contentType.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!contentType.startsWith('multipart/form-data') || !boundary) return {};
  // A lenient parser: grammy writes `content-disposition:form-data;name="x";filename=y` without spaces or quotes.
  const fields: Record<string, unknown> = {};
  const files = new Map<string, UploadedFile>();
  const delimiter = Buffer.from(`--${boundary}`);
  let at = raw.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    const next = raw.indexOf(delimiter, start);
    if (next === -1) break;
    const part = raw.subarray(start + 2, next - 2); // skip the CRLF after the delimiter and before the next
    const split = part.indexOf('\r\n\r\n');
    if (split !== -1) {
      const headers = part.subarray(0, split).toString('utf8');
      const body = part.subarray(split + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="?([^";\r\n]*)"?/i.exec(headers)?.[1];
      if (name !== undefined) {
        if (filename !== undefined) files.set(name, { name: filename, data: Buffer.from(body) });
        else fields[name] = body.toString('utf8');
      }
    }
    at = next;
  }
  for (const [key, value] of Object.entries(fields)) {
    const attached = typeof value === 'string' && value.startsWith('attach://') ? files.get(value.slice('attach://'.length)) : undefined;
    if (attached) fields[key] = attached;
  }
  return fields;
}

function isUpload(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as UploadedFile).data);
}

/** A recorded body without file contents (they are kept with the bot message). */
function strip(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, isUpload(v) ? `<file ${v.name}>` : v]));
}

function json(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function tooLongCallbackData(markup: unknown): boolean {
  const keyboard = (json(markup) as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard ?? [];
  return keyboard.flat().some((k) => k.callback_data !== undefined && Buffer.byteLength(k.callback_data) > 64);
}

/** The emulator adds its own bookkeeping (botToken) to messages: leave it out. */
function clean(update: RawUpdate): RawUpdate {
  const message = update.message as Record<string, unknown> | undefined;
  if (!message) return update;
  const { botToken: _botToken, ...rest } = message;
  return { ...update, message: rest };
}

