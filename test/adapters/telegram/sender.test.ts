/** The Telegram sender against the emulator: texts, keyboards, splitting, attachments, and the platform's errors. */
import { Bot } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../src/core/delivery/errors.js';
import type { OutboundMessage } from '../../../src/core/model.js';
import { TelegramSender } from '../../../src/adapters/telegram/sender.js';
import { BOT_TOKEN, startTelegramEmulator, type TelegramEmulator } from './emulator.js';

let tg: TelegramEmulator;
let sender: TelegramSender;
const stored = new Map<string, Buffer>();
let chatSeq = 5000;

beforeAll(async () => {
  tg = await startTelegramEmulator();
  const bot = new Bot(BOT_TOKEN, { client: { apiRoot: tg.apiRoot } });
  sender = new TelegramSender(bot.api, {
    timeoutMs: 2000,
    files: { read: async (a) => (a.url && stored.has(a.url) ? { data: stored.get(a.url)!, mimeType: a.mimeType ?? 'application/octet-stream' } : null) },
  });
});
afterAll(async () => {
  await tg?.close();
});

function outbound(fields: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: `m-${chatSeq}-${Math.random()}`,
    channel: 'telegram',
    chatId: String(++chatSeq),
    text: 'Hello from the desk',
    author: { kind: 'agent', name: 'Anna' },
    buttons: [],
    attachments: [],
    ticketNumber: 1001,
    sentAt: new Date(),
    ...fields,
  };
}

describe('the Telegram sender', () => {
  it('declares Telegram rate limits for the delivery worker', () => {
    expect(sender.rateLimits).toEqual({ perSecond: 30, perChatIntervalMs: 1000 });
  });

  it('sends plain text (nothing is parsed as markup) and reports the platform message id', async () => {
    const m = outbound({ text: '<b>not bold</b> *nor this* & more' });
    const result = await sender.send(m);
    const [sent] = tg.bot(m.chatId);
    expect(sent!.text).toBe('<b>not bold</b> *nor this* & more');
    expect(result.platformMessageId).toBe(`${m.chatId}:${sent!.messageId}`);
    const call = tg.calls.filter((c) => c.method === 'sendMessage').at(-1)!;
    expect(call.body.parse_mode).toBeUndefined();
  });

  it('renders buttons as an inline keyboard, hashing ids over 64 bytes', async () => {
    const longId = `kb:article:${'a-very-long-article-slug-'.repeat(4)}en`;
    const m = outbound({ buttons: [{ id: 'kb:yes:x', label: 'Yes' }, { id: longId, label: 'That article' }] });
    await sender.send(m);
    const keys = tg.bot(m.chatId)[0]!.replyMarkup!.inline_keyboard.flat();
    expect(keys.map((k) => k.text)).toEqual(['Yes', 'That article']);
    expect(keys[0]!.callback_data).toBe('kb:yes:x');
    expect(Buffer.byteLength(keys[1]!.callback_data)).toBeLessThanOrEqual(64);
  });

  it('splits a long text into messages within 4096 characters, the keyboard on the last', async () => {
    const paragraph = 'This paragraph explains the return policy in detail. '.repeat(20).trim();
    const text = Array.from({ length: 12 }, (_, i) => `${i + 1}. ${paragraph}`).join('\n\n');
    expect(text.length).toBeGreaterThan(8192);
    const m = outbound({ text, buttons: [{ id: 'kb:yes:returns', label: 'Yes' }] });
    const result = await sender.send(m);
    const sent = tg.bot(m.chatId);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    for (const s of sent) expect(s.text.length).toBeLessThanOrEqual(4096);
    expect(sent.map((s) => s.text).join('\n\n')).toBe(text);
    expect(sent.slice(0, -1).every((s) => !s.replyMarkup)).toBe(true);
    expect(sent.at(-1)!.replyMarkup).toBeDefined();
    expect(result.platformMessageId).toBe(`${m.chatId}:${sent.at(-1)!.messageId}`);
  });

  it('resumes a split message where it stopped: a 429 half-way does not repeat the first part', async () => {
    const text = `${'first part. '.repeat(300).trim()}\n\n${'second part. '.repeat(250).trim()}`;
    const m = outbound({ text });
    tg.failNext('sendMessage', [null, { status: 429, description: 'Too Many Requests: retry after 2', retryAfter: 2 }]);
    const err = await sender.send(m).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableDeliveryError);
    expect((err as RetryableDeliveryError).retryAfterMs).toBe(2000);
    expect(tg.bot(m.chatId)).toHaveLength(1);
    await sender.send(m);
    const sent = tg.bot(m.chatId);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.text.startsWith('first part.')).toBe(true);
    expect(sent[1]!.text.startsWith('second part.')).toBe(true);
  });

  it('threads a reply under the customer message it answers', async () => {
    const m = outbound();
    await sender.send({ ...m, replyToMessageId: `${m.chatId}:77` });
    expect(tg.bot(m.chatId)[0]!.replyParameters).toEqual({ message_id: 77, allow_sending_without_reply: true });
  });

  it('uploads a stored file as a document, sends a public URL as a photo, and a location natively', async () => {
    stored.set('/api/v1/files/00000000-0000-4000-8000-000000000001', Buffer.from('%PDF-1.4 invoice'));
    const m = outbound({
      text: 'Your invoice and the parcel',
      attachments: [
        { kind: 'document', name: 'invoice.pdf', mimeType: 'application/pdf', url: '/api/v1/files/00000000-0000-4000-8000-000000000001' },
        { kind: 'photo', url: 'https://cdn.example.com/parcel.jpg' },
        { kind: 'location', data: { latitude: 55.75, longitude: 37.62 } },
      ],
    });
    await sender.send(m);
    const sent = tg.bot(m.chatId);
    expect(sent.map((s) => s.media?.method ?? 'sendMessage')).toEqual(['sendMessage', 'sendDocument', 'sendPhoto', 'sendLocation']);
    expect(sent[1]!.media).toMatchObject({ name: 'invoice.pdf' });
    expect(sent[1]!.media!.data!.toString()).toBe('%PDF-1.4 invoice');
    expect(sent[2]!.media).toMatchObject({ url: 'https://cdn.example.com/parcel.jpg' });
  });

  it('a 403 (blocked by the user) and a missing chat fail for good', async () => {
    tg.failNext('sendMessage', [{ status: 403, description: 'Forbidden: bot was blocked by the user' }]);
    await expect(sender.send(outbound())).rejects.toBeInstanceOf(PermanentDeliveryError);
    tg.failNext('sendMessage', [{ status: 400, description: 'Bad Request: chat not found' }]);
    await expect(sender.send(outbound())).rejects.toBeInstanceOf(PermanentDeliveryError);
  });

  it('the platform being down is retryable', async () => {
    tg.setDown(true);
    try {
      const err = await sender.send(outbound()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryableDeliveryError);
      expect((err as Error).message).not.toContain(BOT_TOKEN);
    } finally {
      tg.setDown(false);
    }
  });
});
