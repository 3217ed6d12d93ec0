/**
 * The Telegram adapter on its own (a fake sink and store, the emulator as Telegram): start-up
 * that never blocks, status, failures of the core, button presses mapped back, the group rule
 * for /status, and the channel being off without a token.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callbackData } from '../../../src/adapters/telegram/buttons.js';
import { createTelegramAdapter, TelegramAdapter } from '../../../src/adapters/telegram/index.js';
import type { TelegramStore } from '../../../src/adapters/telegram/store.js';
import type { InboundSink } from '../../../src/adapters/adapter.js';
import { PermanentDeliveryError } from '../../../src/core/delivery/errors.js';
import type { InboundEdit, InboundMessage } from '../../../src/core/model.js';
import { createLogger } from '../../../src/logger.js';
import { BOT_TOKEN, startTelegramEmulator, waitFor, type TelegramEmulator } from './emulator.js';

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const desk = { categories: [{ path: 'support/hardware/printers-and-scanners/very-long-category-path-for-testing', title: { ru: 'Принтеры', en: 'Printers' } }] };

let tg: TelegramEmulator;
const running: TelegramAdapter[] = [];
let nextChat = 730_000;

beforeAll(async () => {
  tg = await startTelegramEmulator();
});
afterEach(async () => {
  tg.setDown(false);
  await Promise.all(running.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  await tg?.close();
});

class FakeSink implements InboundSink {
  messages: InboundMessage[] = [];
  edits: InboundEdit[] = [];
  failures = 0;
  async ingest(message: InboundMessage) {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('database is down');
    }
    this.messages.push(message);
    return { ticketId: 't', ticketNumber: 1, conversationId: 'c', messageId: 'm', duplicate: false, ticketCreated: true };
  }
  async edit(edit: InboundEdit) {
    this.edits.push(edit);
    return true;
  }
}

function fakeStore(overrides: Partial<TelegramStore> = {}): TelegramStore & { queries: unknown[] } {
  const queries: unknown[] = [];
  return {
    queries,
    openTickets: async (q) => {
      queries.push(q);
      return [{ number: 1001, status: 'open', subject: 'Printer jams' }];
    },
    buttonsOf: async () => [],
    ...overrides,
  };
}

function adapter(sink: InboundSink, store: TelegramStore = fakeStore()): TelegramAdapter {
  const a = new TelegramAdapter({ token: BOT_TOKEN, apiRoot: tg.apiRoot, sink, store, desk, log, timeoutMs: 2000, minBackoffMs: 50, maxBackoffMs: 300 });
  running.push(a);
  return a;
}

describe('the Telegram adapter', () => {
  it('is off without a token, and its replies fail for good', async () => {
    const off = createTelegramAdapter({
      config: { TELEGRAM_BOT_TOKEN: undefined, TELEGRAM_API_ROOT: 'https://api.telegram.org', TELEGRAM_WEBHOOK_URL: undefined, TELEGRAM_WEBHOOK_SECRET: undefined, APP_SECRET: undefined, OUTBOUND_TIMEOUT_MS: 1000, REDIS_PREFIX: 'x' },
      sink: new FakeSink(),
      db: null as never,
      desk,
      log,
    });
    await off.start();
    expect(off.status()).toMatchObject({ state: 'off' });
    expect(off.router).toBeUndefined();
    await expect(off.sender.send({} as never)).rejects.toBeInstanceOf(PermanentDeliveryError);
  });

  it('starts at once while Telegram is down, says so, and connects when it is back', async () => {
    tg.setDown(true);
    const a = adapter(new FakeSink());
    const started = Date.now();
    await a.start();
    expect(Date.now() - started).toBeLessThan(200);
    await waitFor(() => a.status().lastError, 5000, 'a last error');
    expect(['connecting', 'error']).toContain(a.status().state);
    tg.setDown(false);
    await waitFor(() => a.status().state === 'connected', 5000, 'connected');
    expect(a.status().detail).toBe('long polling, @TestNameBot');
  });

  it('keeps an update the core could not take and hands it in again (long polling does not confirm it)', async () => {
    const sink = new FakeSink();
    sink.failures = 2;
    const a = adapter(sink);
    await a.start();
    const user = tg.user({ chatId: ++nextChat });
    await user.say('my message must not be lost');
    await waitFor(() => sink.messages.length > 0, 8000, 'the message after the core came back');
    expect(sink.messages.map((m) => m.text)).toEqual(['my message must not be lost']);
    expect(sink.failures).toBe(0);
  });

  it('reports a failure of the core as "retry" (webhook: 503), and handles the redelivery once', async () => {
    const sink = new FakeSink();
    const a = adapter(sink);
    a.bot.botInfo = { id: 666, is_bot: true, first_name: 'Bot', username: 'TestNameBot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false } as never;
    const chat = { id: ++nextChat, type: 'private', first_name: 'Eve' };
    const update = { update_id: 9_000_001, message: { message_id: 5, date: 1, chat, from: { id: chat.id, is_bot: false, first_name: 'Eve' }, text: 'hello' } };
    sink.failures = 1;
    expect(await a.handleUpdate(update as never)).toBe('retry');
    expect(await a.handleUpdate(update as never)).toBe('done');
    expect(await a.handleUpdate(update as never)).toBe('done'); // a duplicate now
    expect(sink.messages).toHaveLength(1);
  });

  it('maps a press on a long (hashed) button id back: from memory, the desk topics, or the stored message', async () => {
    const sink = new FakeSink();
    const longId = `kb:article:${'how-to-return-a-heavy-item-bought-on-sale-'.repeat(2)}en`;
    const a = adapter(sink, fakeStore({ buttonsOf: async () => [{ id: `${longId}-stored`, label: 'Stored' }] }));
    await a.start();
    await waitFor(() => a.status().state === 'connected', 5000, 'connected');
    const user = tg.user({ chatId: ++nextChat });
    await a.sender.send({ id: 'o1', channel: 'telegram', chatId: String(user.chatId), text: 'Did you mean:', author: { kind: 'bot', name: 'Bot' }, buttons: [{ id: longId, label: 'Returns' }], attachments: [], ticketNumber: 1, sentAt: new Date() });
    const offer = await user.botMessage(1);
    await user.press(offer, 'Returns');
    await waitFor(() => sink.messages[0], 5000, 'the press');
    expect(sink.messages[0]).toMatchObject({ text: 'Returns', buttonId: longId, messageId: expect.stringMatching(/^cb:/) });

    // A keyboard this instance does not remember (sent before a restart): found through the stored message.
    const other = adapter(sink, fakeStore({ buttonsOf: async () => [{ id: `${longId}-stored`, label: 'Stored' }] }));
    await a.stop();
    await other.start();
    await waitFor(() => other.status().state === 'connected', 5000, 'connected');
    const stale = { ...offer, replyMarkup: { inline_keyboard: [[{ text: 'Stored', callback_data: callbackData(`${longId}-stored`) }]] } };
    await user.press(stale, 'Stored');
    await waitFor(() => sink.messages[1], 5000, 'the stale press');
    expect(sink.messages[1]).toMatchObject({ buttonId: `${longId}-stored` });

    // A /start topic with a long path maps back from the desk configuration.
    await user.command('/start');
    const greeting = await user.waitForText(/^Hello, Olga!/);
    await user.press(greeting, 'Printers');
    await waitFor(() => sink.messages[2], 5000, 'the topic press');
    expect(sink.messages[2]).toMatchObject({ text: 'Printers', topic: desk.categories[0]!.path });
  });

  it('/status in a group lists only the group’s tickets, never a member’s private ones', async () => {
    const store = fakeStore();
    const a = adapter(new FakeSink(), store);
    await a.start();
    await waitFor(() => a.status().state === 'connected', 5000, 'connected');
    const chatId = -(++nextChat);
    const member = tg.user({ chatId, userId: 4242, type: 'group', title: 'ACME' });
    await member.command('/status');
    const list = await member.waitForText(/^Your open requests:/);
    expect(list.text).toBe('Your open requests:\n#1001 · in progress · Printer jams');
    expect(store.queries).toEqual([{ chatId: String(chatId), userId: '4242', group: true }]);
  });
});
