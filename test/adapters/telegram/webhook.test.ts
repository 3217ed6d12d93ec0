/**
 * The Telegram channel in webhook mode (TELEGRAM_WEBHOOK_URL set): a whole gateway against the
 * emulator, whose webhook calls the recorder relays to the app with the secret token, as
 * Telegram does. Forged calls must be refused before anything is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSecret } from '../../../src/adapters/telegram/webhook.js';
import { SAMPLE_KB_DIR } from '../../../src/kb/setup.js';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { BOT, BOT_TOKEN, startTelegramEmulator, type TelegramEmulator } from './emulator.js';

const PUBLIC_URL = 'https://desk.example.com/webhooks/telegram';

let tg: TelegramEmulator;
let t: TestGateway;

beforeAll(async () => {
  tg = await startTelegramEmulator();
  t = await startTestGateway({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_WEBHOOK_URL: PUBLIC_URL, KB_DIR: SAMPLE_KB_DIR });
  // The "reverse proxy": what Telegram posts to the public URL reaches this gateway.
  tg.deliverWebhooksTo(t.baseUrl);
  await eventually(async () => (await channelStatus()).state === 'connected', 15_000, 'the Telegram webhook to be set');
});
afterAll(async () => {
  await t?.stop();
  await tg?.close();
});

async function channelStatus(): Promise<{ state: string; detail?: string }> {
  const res = await t.api('GET', '/channels');
  return ((await res.json()) as Record<string, { state: string; detail?: string }>).telegram!;
}

function update(updateId: number, chatId: number, text: string) {
  return {
    update_id: updateId,
    message: { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', first_name: 'Eve' }, from: { id: chatId, is_bot: false, first_name: 'Eve' }, text },
  };
}

function post(body: unknown, secret?: string): Promise<Response> {
  return fetch(`${t.baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body: JSON.stringify(body),
  });
}

const conversations = (chatId: number) => t.gateway.db.conversation.count({ where: { channel: 'telegram', externalChatId: String(chatId) } });

describe('Telegram webhook mode', () => {
  it('sets the webhook at start, with a secret token derived from APP_SECRET', async () => {
    expect(tg.webhook).toEqual({ url: PUBLIC_URL, secret: webhookSecret(undefined, 'test-app-secret', BOT_TOKEN), allowedUpdates: ['message', 'edited_message', 'callback_query'] });
    expect(await channelStatus()).toMatchObject({ state: 'connected', detail: `webhook, @${BOT.username}` });
    // Long polling is off in webhook mode.
    expect(tg.calls.some((c) => c.method === 'getUpdates')).toBe(false);
  });

  it('takes what Telegram posts: the customer writes, the bot answers from the KB', async () => {
    const eve = tg.user({ chatId: 820_001, firstName: 'Eve' });
    await eve.say('How much does delivery cost?');
    const answer = await eve.botMessage(1);
    expect(answer.text).toMatch(/^How much does delivery cost/);
    expect(answer.replyMarkup!.inline_keyboard.flat().map((k) => k.text)).toEqual(['Yes, thanks', 'No']);
  });

  it('refuses a forged call (wrong or missing secret) with 401, and stores nothing', async () => {
    const forged = await post(update(5_000_001, 820_002, 'I am not Telegram'), 'guessed-secret');
    expect(forged.status).toBe(401);
    const bare = await post(update(5_000_002, 820_002, 'Neither am I'));
    expect(bare.status).toBe(401);
    // Even a body that is not an update is refused before it is read.
    expect((await post('garbage', 'x')).status).toBe(401);
    await t.gateway.events.idle();
    expect(await conversations(820_002)).toBe(0);
  });

  it('a redelivered webhook update makes one message', async () => {
    const secret = tg.webhook!.secret!;
    const body = update(5_000_010, 820_003, 'Where is my order 31?');
    expect((await post(body, secret)).status).toBe(200);
    expect((await post(body, secret)).status).toBe(200);
    // The same message under a new update id (Telegram's redelivery after we timed out).
    expect((await post({ ...body, update_id: 5_000_011 }, secret)).status).toBe(200);
    const messages = await t.gateway.db.message.count({ where: { channel: 'telegram', conversation: { externalChatId: '820003' }, direction: 'inbound' } });
    expect(messages).toBe(1);
  });

  it('answers 400 to a body that is not an update', async () => {
    const res = await post({ hello: 'world' }, tg.webhook!.secret!);
    expect(res.status).toBe(400);
  });
});
