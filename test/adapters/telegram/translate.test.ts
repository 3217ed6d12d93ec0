/** The Telegram adapter's pure parts: splitting, callback data, translation of messages, the group rule, errors. */
import { GrammyError, HttpError } from 'grammy';
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { PermanentDeliveryError, RateLimitedError, RetryableDeliveryError } from '../../../src/core/delivery/errors.js';
import { callbackData, CALLBACK_DATA_LIMIT, inlineKeyboard, matchCallbackData } from '../../../src/adapters/telegram/buttons.js';
import { toDeliveryError } from '../../../src/adapters/telegram/errors.js';
import { addressedToBot, withoutMention } from '../../../src/adapters/telegram/groups.js';
import { toInboundEdit, toInboundMessage } from '../../../src/adapters/telegram/inbound.js';
import { TELEGRAM_TEXT_LIMIT } from '../../../src/adapters/telegram/sender.js';
import { splitText as splitAt } from '../../../src/adapters/text.js';

const splitText = (text: string, limit = TELEGRAM_TEXT_LIMIT) => splitAt(text, limit);
import { langOf } from '../../../src/adapters/telegram/texts.js';
import { webhookSecret } from '../../../src/adapters/telegram/webhook.js';

const me = { id: 666, username: 'Shop_Bot' };
const user = { id: 42, is_bot: false, first_name: 'Olga', last_name: 'Ivanova', username: 'olga', language_code: 'ru-RU' };
const privateChat = { id: 42, type: 'private' as const, first_name: 'Olga' };
const group = { id: -100777, type: 'supergroup' as const, title: 'ACME' };
const noFetch = async (): Promise<Buffer> => Buffer.alloc(0);

function message(fields: Partial<Message> & Record<string, unknown>): Message {
  return { message_id: 10, date: 1_700_000_000, chat: privateChat, from: user, ...fields } as Message;
}

describe('splitText', () => {
  it('leaves a text within the limit alone', () => {
    expect(splitText('hello')).toEqual(['hello']);
    expect(splitText('x'.repeat(TELEGRAM_TEXT_LIMIT))).toHaveLength(1);
  });

  it('cuts at paragraph breaks first, and every part fits', () => {
    const paragraph = `${'word '.repeat(300).trim()}.`;
    const text = Array.from({ length: 8 }, () => paragraph).join('\n\n');
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(p.endsWith('.')).toBe(true); // whole paragraphs
    }
    expect(parts.join('\n\n')).toBe(text);
  });

  it('cuts at a space when a paragraph is longer than the limit, never inside a word', () => {
    const text = 'lorem ipsum '.repeat(1000).trim();
    const parts = splitText(text, 100);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(100);
      expect(p).toMatch(/^(lorem|ipsum)( (lorem|ipsum))*$/);
    }
    expect(parts.join(' ')).toBe(text);
  });

  it('cuts an unbroken run hard, keeping emoji (surrogate pairs) whole', () => {
    const text = '😀'.repeat(60); // 120 UTF-16 units
    const parts = splitText(text, 51);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(51);
      expect(p).toMatch(/^(😀)+$/u);
    }
    expect(parts.join('')).toBe(text);
  });
});

describe('callback data', () => {
  it('keeps short ids and hashes long ones to fit 64 bytes', () => {
    expect(callbackData('kb:yes:delivery-time-en')).toBe('kb:yes:delivery-time-en');
    const long = `kb:article:${'очень-длинный-слаг-статьи-'.repeat(3)}ru`;
    const data = callbackData(long);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(CALLBACK_DATA_LIMIT);
    expect(data.startsWith('#')).toBe(true);
    expect(matchCallbackData(data, ['kb:human', long])).toBe(long);
    // An id that looks like a hash is hashed too, so it cannot be mistaken for one.
    expect(callbackData('#abc')).not.toBe('#abc');
  });

  it('renders short labels on one row and long ones one per row', () => {
    expect(inlineKeyboard([{ id: 'y', label: 'Yes' }, { id: 'n', label: 'No' }]).inline_keyboard).toEqual([[{ text: 'Yes', callback_data: 'y' }, { text: 'No', callback_data: 'n' }]]);
    const rows = inlineKeyboard([{ id: 'a', label: 'How long does delivery take' }, { id: 'b', label: 'Talk to a person' }]).inline_keyboard;
    expect(rows).toHaveLength(2);
  });
});

describe('inbound translation', () => {
  it('a text message: key per chat, profile, reply and time', () => {
    const m = toInboundMessage(message({ text: 'Hello', reply_to_message: { message_id: 7, date: 0, chat: privateChat } as never }), noFetch);
    expect(m).toEqual({
      channel: 'telegram',
      chatId: '42',
      messageId: '42:10',
      from: { id: '42', name: 'Olga Ivanova', username: 'olga', language: 'ru' },
      text: 'Hello',
      sentAt: new Date(1_700_000_000_000),
      replyToMessageId: '42:7',
    });
  });

  it('a photo keeps its largest size, with its file id and a download', async () => {
    const fetched: string[] = [];
    const m = toInboundMessage(
      message({
        caption: 'broken box',
        photo: [
          { file_id: 'small', file_unique_id: 's', width: 90, height: 90, file_size: 1000 },
          { file_id: 'big', file_unique_id: 'b', width: 1280, height: 960, file_size: 90_000 },
        ],
      }),
      async (id) => {
        fetched.push(id);
        return Buffer.from('jpeg');
      },
    );
    expect(m.text).toBe('broken box');
    const [photo] = m.attachments!;
    expect(photo).toMatchObject({ kind: 'photo', mimeType: 'image/jpeg', size: 90_000, name: 'photo-b.jpg', data: { fileId: 'big', width: 1280 } });
    expect((await photo!.download!({ maxBytes: 1e6, signal: new AbortController().signal })).data.toString()).toBe('jpeg');
    expect(fetched).toEqual(['big']);
  });

  it('documents, voice, video, stickers, locations and contacts', () => {
    const kinds = (fields: Record<string, unknown>) => toInboundMessage(message(fields), noFetch).attachments!.map(({ download: _d, ...a }) => a);
    expect(kinds({ document: { file_id: 'd', file_unique_id: 'd1', file_name: 'invoice.pdf', mime_type: 'application/pdf', file_size: 5 } })).toEqual([
      { kind: 'document', mimeType: 'application/pdf', size: 5, name: 'invoice.pdf', data: { fileId: 'd', fileUniqueId: 'd1' } },
    ]);
    expect(kinds({ voice: { file_id: 'v', file_unique_id: 'v1', duration: 3 } })[0]).toMatchObject({ kind: 'voice', mimeType: 'audio/ogg', name: 'voice-v1.ogg' });
    expect(kinds({ video: { file_id: 'v', file_unique_id: 'v2', duration: 3, width: 1, height: 1 } })[0]).toMatchObject({ kind: 'video', mimeType: 'video/mp4' });
    expect(kinds({ sticker: { file_id: 's', file_unique_id: 's1', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false, emoji: '👍' } })[0]).toMatchObject({
      kind: 'sticker',
      mimeType: 'image/webp',
      data: { emoji: '👍' },
    });
    expect(kinds({ location: { latitude: 55.75, longitude: 37.62 } })).toEqual([{ kind: 'location', data: { latitude: 55.75, longitude: 37.62 } }]);
    expect(kinds({ contact: { phone_number: '+79990001122', first_name: 'Ivan' } })).toEqual([{ kind: 'contact', name: 'Ivan', data: { phoneNumber: '+79990001122', firstName: 'Ivan' } }]);
  });

  it("a customer's own shared contact fills in their phone", () => {
    const m = toInboundMessage(message({ contact: { phone_number: '+79990001122', first_name: 'Olga', user_id: 42 } }), noFetch);
    expect(m.from.phone).toBe('+79990001122');
  });

  it('an edit keeps the message key; a live-location edit is not an edit', () => {
    expect(toInboundEdit(message({ text: 'new text', edit_date: 1_700_000_100 }))).toEqual({
      channel: 'telegram',
      chatId: '42',
      messageId: '42:10',
      text: 'new text',
      editedAt: new Date(1_700_000_100_000),
    });
    expect(toInboundEdit(message({ location: { latitude: 1, longitude: 2 }, edit_date: 1 }))).toBeNull();
  });

  it('languages: Russian for ru (and neighbours), English otherwise', () => {
    expect(langOf('ru')).toBe('ru');
    expect(langOf('uk')).toBe('ru');
    expect(langOf('en-GB')).toBe('en');
    expect(langOf('de')).toBe('en');
    expect(langOf(undefined)).toBe('en');
  });
});

describe('the group rule', () => {
  const inGroup = (fields: Partial<Message> & Record<string, unknown>) => message({ chat: group, ...fields });

  it('takes an @mention (any case), a text mention, a command to the bot and a reply to it', () => {
    expect(addressedToBot(inGroup({ text: '@shop_bot where is my order?', entities: [{ type: 'mention', offset: 0, length: 9 }] }), me)).toBe(true);
    expect(addressedToBot(inGroup({ text: 'Bot, help', entities: [{ type: 'text_mention', offset: 0, length: 3, user: { id: 666, is_bot: true, first_name: 'Bot' } }] }), me)).toBe(true);
    expect(addressedToBot(inGroup({ text: '/status@Shop_Bot', entities: [{ type: 'bot_command', offset: 0, length: 16 }] }), me)).toBe(true);
    expect(addressedToBot(inGroup({ text: 'thanks', reply_to_message: { message_id: 3, date: 0, chat: group, from: { id: 666, is_bot: true, first_name: 'Bot' } } as never }), me)).toBe(true);
    expect(addressedToBot(inGroup({ caption: '@Shop_Bot look', caption_entities: [{ type: 'mention', offset: 0, length: 9 }], photo: [] }), me)).toBe(true);
  });

  it('ignores chatter, mentions of others and replies to others', () => {
    expect(addressedToBot(inGroup({ text: 'lunch at 1?' }), me)).toBe(false);
    expect(addressedToBot(inGroup({ text: '@ivan look', entities: [{ type: 'mention', offset: 0, length: 5 }] }), me)).toBe(false);
    expect(addressedToBot(inGroup({ text: 'ok', reply_to_message: { message_id: 3, date: 0, chat: group, from: { id: 5, is_bot: false, first_name: 'Ivan' } } as never }), me)).toBe(false);
    // Writing the handle without Telegram marking it as a mention (inside a word) is not a mention.
    expect(addressedToBot(inGroup({ text: 'mail@shop_bot.com' }), me)).toBe(false);
  });

  it('strips the handle from the text', () => {
    expect(withoutMention('@shop_bot where is my order?', me)).toBe('where is my order?');
    expect(withoutMention('Hi @Shop_Bot, where is it?', me)).toBe('Hi where is it?');
    expect(withoutMention('write to @shop_botter', me)).toBe('write to @shop_botter');
  });
});

describe('delivery errors', () => {
  const apiError = (code: number, description: string, parameters = {}) => new GrammyError('call failed', { ok: false, error_code: code, description, parameters }, 'sendMessage', {});

  it('429 is retryable after retry_after; 5xx and network errors are retryable', () => {
    const limited = toDeliveryError(apiError(429, 'Too Many Requests: retry after 7', { retry_after: 7 }));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RetryableDeliveryError).retryAfterMs).toBe(7000);
    expect(toDeliveryError(apiError(429, 'Too Many Requests'))).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 1000 });
    expect(toDeliveryError(apiError(502, 'Bad Gateway'))).toBeInstanceOf(RetryableDeliveryError);
    expect(toDeliveryError(new HttpError("Network request for 'sendMessage' failed!", new Error('ECONNREFUSED')))).toBeInstanceOf(RetryableDeliveryError);
  });

  it('blocked by the user, chat not found and other bad requests are permanent', () => {
    expect(toDeliveryError(apiError(403, 'Forbidden: bot was blocked by the user'))).toBeInstanceOf(PermanentDeliveryError);
    expect(toDeliveryError(apiError(400, 'Bad Request: chat not found'))).toBeInstanceOf(PermanentDeliveryError);
  });

  it('never puts the token in a message', () => {
    const err = toDeliveryError(new HttpError('failed', new Error('request to http://x/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage failed')));
    expect(err.message).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
  });
});

describe('webhook secret', () => {
  it('is the configured one, or derived per bot from the app secret, in the characters Telegram allows', () => {
    expect(webhookSecret('my_secret-1', 'app', '1:x')).toBe('my_secret-1');
    const derived = webhookSecret(undefined, 'app-secret', '123:token');
    expect(derived).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    expect(webhookSecret(undefined, 'app-secret', '123:other-token')).toBe(derived); // stable across token rotation of one bot
    expect(webhookSecret(undefined, 'app-secret', '124:token')).not.toBe(derived);
  });
});
