/**
 * An agent's edit of a reply reaching a Telegram customer: `editMessageText` of the message the
 * customer has (the emulator's copy reads the new text), retried through a Bot API outage, and
 * refused without a word to the customer for a reply that went out in several messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { BOT_TOKEN, startTelegramEmulator, type TelegramEmulator } from './emulator.js';

let tg: TelegramEmulator;
let t: TestGateway;
let nextChat = 930_000;

beforeAll(async () => {
  tg = await startTelegramEmulator();
  t = await startTestGateway({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, BOT_ENABLED: 'false', DELIVERY_MAX_ATTEMPTS: '20', OUTBOUND_TIMEOUT_MS: '2000' });
  expect((await t.api('POST', '/agents', { handle: 'anna', name: 'Anna' })).status).toBe(201);
  await eventually(async () => ((await (await t.api('GET', '/channels')).json()) as Record<string, { state: string }>).telegram?.state === 'connected', 15_000, 'Telegram connected');
});
afterAll(async () => {
  await t?.stop();
  await tg?.close();
});

/** A customer writes; resolves with their chat and ticket number. */
async function customerTicket() {
  const user = tg.user({ chatId: ++nextChat, languageCode: 'ru', firstName: 'Олег' });
  await user.say('Где мой заказ?');
  const number = await eventually(
    async () => (await t.gateway.db.ticket.findFirst({ where: { conversation: { channel: 'telegram', externalChatId: String(user.chatId) } }, select: { number: true } }))?.number,
    10_000,
    'the ticket',
  );
  return { user, number };
}

async function replyAndWait(number: number, text: string): Promise<string> {
  const res = await t.api('POST', `/tickets/${number}/messages`, { text, agent: 'anna' });
  expect(res.status).toBe(201);
  const { messageId } = (await res.json()) as { messageId: string };
  await eventually(async () => (await t.gateway.db.message.findUnique({ where: { id: messageId } }))?.deliveryState === 'sent', 10_000, 'the reply delivered');
  return messageId;
}

const edits = (chatId: number) => tg.calls.filter((c) => c.method === 'editMessageText' && String(c.body.chat_id) === String(chatId));

describe('Telegram: an agent edits a reply', () => {
  it('the customer’s message is edited in place (editMessageText), once', async () => {
    const { user, number } = await customerTicket();
    const id = await replyAndWait(number, 'Заказ приедет в понедельник');
    const sent = await user.waitForText('Заказ приедет в понедельник');

    const res = await t.api('PATCH', `/tickets/${number}/messages/${id}`, { text: 'Заказ приедет во вторник' });
    expect(res.status).toBe(200);
    // (The recorder notes a call as 200 before the emulator has answered it: wait for the emulator's copy.)
    await eventually(() => user.botMessages().some((m) => m.text === 'Заказ приедет во вторник'), 10_000, 'editMessageText');
    const [call] = edits(user.chatId);
    expect(call!.body).toMatchObject({ message_id: sent.messageId, text: 'Заказ приедет во вторник' });
    // The customer's chat shows the new text, in the same message; nothing new was sent.
    const messages = user.botMessages();
    expect(messages.filter((m) => m.messageId === sent.messageId).map((m) => m.text)).toEqual(['Заказ приедет во вторник']);
    expect(messages).toHaveLength(1);

    // The same edit again (a repeated event): nothing.
    expect(await (await t.api('PATCH', `/tickets/${number}/messages/${id}`, { text: 'Заказ приедет во вторник' })).json()).toMatchObject({ edited: false });
    await new Promise((r) => setTimeout(r, 500));
    expect(edits(user.chatId)).toHaveLength(1);
  });

  it('a Bot API outage (5xx) on the edit is retried until it succeeds', async () => {
    const { user, number } = await customerTicket();
    const id = await replyAndWait(number, 'Скидка 5%');
    await user.waitForText('Скидка 5%');
    tg.failNext('editMessageText', [
      { status: 502, description: 'Bad Gateway', chatId: user.chatId },
      { status: 500, description: 'Internal Server Error', chatId: user.chatId },
    ]);
    expect((await t.api('PATCH', `/tickets/${number}/messages/${id}`, { text: 'Скидка 10%' })).status).toBe(200);
    await eventually(() => user.botMessages().some((m) => m.text === 'Скидка 10%'), 10_000, 'the edit after the outage');
    expect(edits(user.chatId).map((c) => c.status)).toEqual([502, 500, 200]);
    expect(user.botMessages().map((m) => m.text)).toEqual(['Скидка 10%']);
    const row = await eventually(() => t.gateway.db.messageEdit.findFirst({ where: { messageId: id, deliveryState: 'sent' } }).then((r) => r ?? undefined), 5000, 'the edit marked sent');
    expect(row.deliveryAttempts).toBe(3);
  });

  it('a reply sent in several messages is not edited: the edit is recorded as not delivered, the customer gets nothing', async () => {
    const { user, number } = await customerTicket();
    const long = `${'Очень подробный ответ. '.repeat(200)}Конец.`;
    const id = await replyAndWait(number, long);
    await eventually(() => user.botMessages().length === 2, 5000, 'the two parts');
    const failed = new Promise<unknown>((resolve) => t.gateway.events.on('reply.edit_failed', resolve));
    expect((await t.api('PATCH', `/tickets/${number}/messages/${id}`, { text: 'Короче: всё в порядке.' })).status).toBe(200);
    expect(await failed).toMatchObject({ ticketNumber: number, messageId: id, reason: 'unsupported' });
    const row = await t.gateway.db.messageEdit.findFirstOrThrow({ where: { messageId: id } });
    expect(row.deliveryState).toBe('failed');
    expect(row.deliveryError).toMatch(/one Telegram message/);
    expect(edits(user.chatId)).toHaveLength(0);
    expect(user.botMessages()).toHaveLength(2);
  });

  it('a reply sent in several messages stays uneditable at its second edit (judged from what was sent, not the previous edit)', async () => {
    const { user, number } = await customerTicket();
    const long = `${'Очень подробный ответ. '.repeat(200)}Конец.`;
    const id = await replyAndWait(number, long);
    await eventually(() => user.botMessages().length === 2, 5000, 'the two parts');
    const failures: unknown[] = [];
    t.gateway.events.on('reply.edit_failed', (e) => void failures.push(e));
    expect((await t.api('PATCH', `/tickets/${number}/messages/${id}`, { text: 'Короче: всё в порядке.' })).status).toBe(200);
    await eventually(() => failures.length === 1, 8000, 'the first edit refused');
    // The second edit's previousText is short, but the customer still has the two parts.
    expect((await t.api('PATCH', `/tickets/${number}/messages/${id}`, { text: 'Ещё короче.' })).status).toBe(200);
    await eventually(() => failures.length === 2, 8000, 'the second edit refused');
    const rows = await t.gateway.db.messageEdit.findMany({ where: { messageId: id }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => r.deliveryState)).toEqual(['failed', 'failed']);
    expect(rows.every((r) => /one Telegram message/.test(r.deliveryError ?? ''))).toBe(true);
    expect(edits(user.chatId)).toHaveLength(0);
    expect(user.botMessages()).toHaveLength(2);
  });
});
