/**
 * The Telegram customer channel (grammy): one bot, in private chats and in customers' groups.
 *
 * Start-up never blocks and never throws for Telegram: `start()` returns at once and a
 * background task connects (getMe, the command menu, then `setWebhook` or long polling),
 * retrying with backoff while Telegram is away; `status()` says how it is going.
 *
 * Every update, polled or posted to the webhook, goes through `handleUpdate`: claimed by its
 * `update_id` (a redelivery does nothing), run through the handlers (./handlers.ts), and any
 * error logged with the update's context, never thrown.
 */
import { Bot, BotError } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { Router } from 'express';
import type { DeskTopics } from '../../core/deskConfig.js';
import type { Logger } from '../../logger.js';
import { StatusTracker, type ChannelAdapter, type ChannelStatus, type InboundSink } from '../adapter.js';
import { STANDBY_DETAIL, type RedisLease } from '../lease.js';
import { telegramFileFetcher } from './attachments.js';
import { COMMAND_MENU } from './commands.js';
import { MemoryLedger, type UpdateLedger } from './dedupe.js';
import type { TelegramDeskTap } from './deskTap.js';
import { describe } from './errors.js';
import { installHandlers, SinkUnavailable } from './handlers.js';
import { LeasedPolling, Poller, sleep, type UpdateOutcome } from './polling.js';
import { TelegramSender, type OutboundFiles } from './sender.js';
import type { TelegramStore } from './store.js';
import { webhookRouter } from './webhook.js';
import { apiSignal } from './signal.js';

/** The updates the adapter handles; Telegram sends nothing else. */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query'] as const;

export interface TelegramAdapterOptions {
  token: string;
  /** The Bot API root, without a trailing slash (a self-hosted Bot API server, an emulator). */
  apiRoot: string;
  /** Webhook mode: the public URL Telegram posts to (routed to POST /webhooks/telegram) and its secret. */
  webhook?: { url: string; secret: string };
  sink: InboundSink;
  store: TelegramStore;
  desk: DeskTopics;
  log: Logger;
  /** Timeout of one Bot API call (sends, getFile …). */
  timeoutMs: number;
  /** Remembers handled update ids; the default is this instance's memory. */
  ledger?: UpdateLedger;
  /** Our stored copies of outbound attachments, when the core has a file store. */
  files?: OutboundFiles;
  /**
   * Long polling only while this lease is held, so that of several instances one polls (a second
   * poller gets 409) and another takes over when it dies. Without it, this instance always polls.
   */
  lease?: RedisLease;
  /** Long-polling hold time in seconds (Telegram's `timeout`). */
  pollTimeoutSeconds?: number;
  /** Updates from the agents' chats go to the Telegram desk when it shares this bot (./deskTap.ts). */
  deskTap?: TelegramDeskTap;
  /** Backoff bounds while connecting or polling fails. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Ids of hashed buttons sent lately, for mapping presses back without a database lookup. */
const RECENT_BUTTONS = 2000;

export class TelegramAdapter implements ChannelAdapter {
  readonly channel = 'telegram' as const;
  readonly sender: TelegramSender;
  readonly router?: Router;
  readonly bot: Bot;
  private readonly tracker: StatusTracker;
  private readonly ledger: UpdateLedger;
  private readonly recentButtons = new Set<string>();
  private readonly abort = new AbortController();
  /** The poller when this instance polls without a lease; with one, `leased` runs it. */
  private poller: Poller | null = null;
  private leased: LeasedPolling | null = null;
  private connecting: Promise<void> | null = null;

  constructor(private readonly o: TelegramAdapterOptions) {
    const mode = o.webhook ? 'webhook' : 'long polling';
    this.tracker = new StatusTracker('connecting', mode);
    this.ledger = o.ledger ?? new MemoryLedger();
    // The client's own timeout only bounds calls we give no signal (a long poll is held up to its timeout).
    this.bot = new Bot(o.token, { client: { apiRoot: o.apiRoot, timeoutSeconds: Math.ceil(o.timeoutMs / 1000) + (o.pollTimeoutSeconds ?? 25) + 10 } });
    // Updates go through handleUpdate, which catches everything; this only keeps grammy off the console.
    this.bot.catch((err) => this.o.log.error({ channel: 'telegram', err: describe(err.error) }, 'telegram handler error'));
    this.sender = new TelegramSender(this.bot.api, {
      timeoutMs: o.timeoutMs,
      ...(o.files ? { files: o.files } : {}),
      onHashedButtons: (ids) => this.rememberButtons(ids),
    });
    installHandlers(this.bot, {
      sink: o.sink,
      store: o.store,
      desk: o.desk,
      fetchFile: telegramFileFetcher(this.bot.api, { token: o.token, apiRoot: o.apiRoot, timeoutMs: o.timeoutMs }),
      recentHashedButtons: () => this.recentButtons,
      log: o.log,
    });
    if (o.webhook) {
      this.router = webhookRouter({ secret: o.webhook.secret, handle: (u) => this.handleUpdate(u), ready: () => this.bot.isInited(), log: o.log });
    }
  }

  /** Connects in the background: returns at once, whatever Telegram's state. */
  async start(): Promise<void> {
    this.connecting ??= this.connect().catch((err: unknown) => {
      this.tracker.set('error', { lastError: describe(err) });
      this.o.log.error({ channel: 'telegram', err: describe(err) }, 'telegram adapter stopped connecting');
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.connecting;
    await this.leased?.stop();
    await this.poller?.stop();
    this.tracker.set('disconnected');
  }

  status(): ChannelStatus {
    return this.tracker.get();
  }

  /** Who the bot is, once connected. */
  get me(): UserFromGetMe | undefined {
    return this.bot.isInited() ? this.bot.botInfo : undefined;
  }

  /**
   * Handles one update, polled or posted: 'retry' when it failed for a passing reason and
   * should come again (the core is down), 'done' otherwise (handled, ignored, duplicate or
   * failed for good: logged).
   */
  async handleUpdate(update: Update): Promise<UpdateOutcome> {
    const context = { channel: 'telegram', updateId: update.update_id, kind: updateKind(update), chatId: chatIdOf(update) };
    let first: boolean;
    try {
      first = await this.ledger.claim(update.update_id);
    } catch (err) {
      this.o.log.warn({ ...context, err: describe(err) }, 'telegram update ledger unavailable; the update will come again');
      return 'retry';
    }
    if (!first) {
      this.o.log.debug(context, 'telegram update already handled');
      return 'done';
    }
    const desk = this.o.deskTap?.route(update);
    if (desk) {
      // The agents' chat: the desk's, never a customer conversation.
      const outcome = await desk.handle(update).catch((err: unknown) => {
        this.o.log.error({ ...context, err: describe(err) }, 'telegram desk update failed');
        return 'done' as const;
      });
      if (outcome === 'retry') await this.ledger.release(update.update_id).catch(() => undefined);
      return outcome;
    }
    try {
      await this.bot.handleUpdate(update);
      return 'done';
    } catch (err) {
      const cause = err instanceof BotError ? err.error : err;
      const transient = cause instanceof SinkUnavailable;
      this.o.log.error({ ...context, err: describe(transient ? cause.cause : cause), retry: transient }, 'telegram update failed');
      if (!transient) return 'done';
      await this.ledger.release(update.update_id).catch(() => undefined);
      return 'retry';
    }
  }

  private async connect(): Promise<void> {
    const signal = this.abort.signal;
    const me = await this.untilDone('getMe', () => this.bot.api.getMe(apiSignal(signal)));
    if (!me) return;
    this.bot.botInfo = me;
    const detail = `${this.o.webhook ? 'webhook' : 'long polling'}, @${me.username}`;
    this.o.log.info({ channel: 'telegram', bot: me.username, mode: this.o.webhook ? 'webhook' : 'long polling' }, 'telegram bot connected');
    // The command menu is a nicety: never let it hold anything up.
    void this.setCommandMenu(signal);
    if (this.o.webhook) {
      const { url, secret } = this.o.webhook;
      const set = await this.untilDone('setWebhook', () =>
        this.bot.api.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: false }, apiSignal(signal)),
      );
      if (set) this.tracker.set('connected', { detail });
      return;
    }
    this.tracker.set('connecting', { detail });
    const newPoller = () =>
      new Poller(this.bot.api, (u) => this.handleUpdate(u), this.tracker, this.o.log, {
        timeoutSeconds: this.o.pollTimeoutSeconds ?? 25,
        allowedUpdates: ALLOWED_UPDATES,
        ...(this.o.minBackoffMs !== undefined ? { minBackoffMs: this.o.minBackoffMs } : {}),
        ...(this.o.maxBackoffMs !== undefined ? { maxBackoffMs: this.o.maxBackoffMs } : {}),
      }, detail);
    const lease = this.o.lease;
    if (!lease) {
      this.poller = newPoller();
      if (!signal.aborted) this.poller.start();
      return;
    }
    if (signal.aborted) return;
    // Several instances: only the lease holder polls; the others still send (the Bot API takes calls from anywhere).
    this.leased = new LeasedPolling(lease, this.tracker, newPoller, `${STANDBY_DETAIL}, @${me.username}`);
    this.leased.start(signal, () => this.tracker.set('connecting', { detail }));
  }

  /** Retries `call` with backoff until it succeeds (or the adapter stops: undefined). */
  private async untilDone<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    const signal = this.abort.signal;
    const min = this.o.minBackoffMs ?? 500;
    const max = this.o.maxBackoffMs ?? 30_000;
    for (let failures = 0; !signal.aborted; ) {
      try {
        return await call();
      } catch (err) {
        if (signal.aborted) return undefined;
        failures++;
        const wait = Math.min(max, min * 2 ** Math.min(failures - 1, 16));
        this.tracker.set(failures > 3 ? 'error' : 'connecting', { lastError: describe(err) });
        if (failures === 1 || failures % 10 === 0) this.o.log.warn({ channel: 'telegram', call: what, failures, err: describe(err), retryInMs: wait }, 'telegram is not answering; retrying');
        await sleep(wait, signal);
      }
    }
    return undefined;
  }

  private async setCommandMenu(signal: AbortSignal): Promise<void> {
    try {
      await this.bot.api.setMyCommands(COMMAND_MENU.en, {}, apiSignal(signal));
      await this.bot.api.setMyCommands(COMMAND_MENU.ru, { language_code: 'ru' }, apiSignal(signal));
    } catch (err) {
      this.o.log.debug({ channel: 'telegram', err: describe(err) }, 'telegram command menu not set');
    }
  }

  private rememberButtons(ids: string[]): void {
    for (const id of ids) {
      this.recentButtons.delete(id);
      this.recentButtons.add(id);
    }
    while (this.recentButtons.size > RECENT_BUTTONS) this.recentButtons.delete(this.recentButtons.values().next().value!);
  }
}

function updateKind(update: Update): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown';
}

function chatIdOf(update: Update): number | undefined {
  return (update.message ?? update.edited_message ?? update.callback_query?.message)?.chat.id;
}
