/**
 * The CSAT round trip on Telegram, against the telegram-test-api emulator (as
 * test/adapters/telegram does): the customer gets the "resolved" notice and the survey as an
 * inline keyboard, presses a star button (or types "4 …"), and the rating is stored on the
 * ticket, which stays resolved; a low rating publishes `csat.low`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../src/core/events.js';
import { csatSurvey } from '../../src/core/notify/csat.js';
import { ticketLang } from '../../src/core/notify/lang.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { BOT_TOKEN, startTelegramEmulator, type TelegramEmulator } from '../adapters/telegram/emulator.js';

let tg: TelegramEmulator;
let t: TestGateway;
let nextChat = 930_000;
const low: Array<DomainEvents['csat.low']> = [];

beforeAll(async () => {
  tg = await startTelegramEmulator();
  t = await startTestGateway({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, DESK_CONFIG: 'test/notify/desk.yaml' });
  await t.gateway.db.agent.create({ data: { handle: 'anna', name: 'Анна' } });
  t.gateway.events.on('csat.low', (e) => void low.push(e));
  await eventually(
    async () => ((await (await t.api('GET', '/channels')).json()) as Record<string, { state: string }>).telegram?.state === 'connected',
    15_000,
    'the Telegram channel to connect',
  );
});

afterAll(async () => {
  await t?.stop();
  await tg?.close();
});

async function ticketOf(chatId: number): Promise<number> {
  return eventually(
    async () => (await t.gateway.db.ticket.findFirst({ where: { conversation: { channel: 'telegram', externalChatId: String(chatId) } }, orderBy: { number: 'desc' }, select: { number: true } }))?.number,
    10_000,
    `a ticket for chat ${chatId}`,
  );
}

/** Sends the CSAT survey as the timers do: csatSurvey through the Outbox, and the mark. */
async function sendSurvey(number: number): Promise<void> {
  const db = t.gateway.db;
  const tk = await db.ticket.findUniqueOrThrow({ where: { number }, select: { id: true, number: true, conversationId: true, channel: true } });
  const survey = csatSurvey(t.gateway.settings.current, await ticketLang(db, tk.id), number);
  await db.ticket.update({ where: { id: tk.id }, data: { csatRequestedAt: new Date() } });
  await t.gateway.outbox.send(tk, { authorKind: 'system', authorName: null, text: survey.text, buttons: survey.buttons });
}

/** A customer whose ticket an agent answered and resolved. */
async function resolvedTicket(languageCode: string, firstName: string) {
  const user = tg.user({ chatId: ++nextChat, languageCode, firstName });
  await user.say(languageCode === 'ru' ? 'Где мой заказ?' : 'Where is my order?');
  const number = await ticketOf(user.chatId);
  expect((await t.api('POST', `/tickets/${number}/messages`, { text: 'Shipped today.', agent: 'anna' })).status).toBe(201);
  expect((await t.api('PATCH', `/tickets/${number}`, { status: 'resolved', actor: 'anna' })).status).toBe(200);
  return { user, number };
}

const ticket = (number: number) => t.gateway.db.ticket.findUniqueOrThrow({ where: { number } });

describe('CSAT on Telegram', () => {
  it('the survey is an inline keyboard; pressing a star rates the ticket, which stays resolved', async () => {
    const { user, number } = await resolvedTicket('ru', 'Ольга');
    await user.waitForText(new RegExp(`^Обращение #${number} решено`));

    await sendSurvey(number);
    const survey = await user.waitForText(/^Оцените, пожалуйста/);
    expect(survey.replyMarkup!.inline_keyboard.flat()).toEqual([
      { text: '⭐', callback_data: 'csat:1' },
      { text: '⭐⭐', callback_data: 'csat:2' },
      { text: '⭐⭐⭐', callback_data: 'csat:3' },
      { text: '⭐⭐⭐⭐', callback_data: 'csat:4' },
      { text: '⭐⭐⭐⭐⭐', callback_data: 'csat:5' },
    ]);

    await user.press(survey, '⭐⭐');
    await user.waitForText(/^Спасибо за оценку!/);
    const rated = await ticket(number);
    expect(rated).toMatchObject({ status: 'resolved', csatScore: 2, csatComment: null });
    expect(await t.gateway.db.ticket.count({ where: { conversationId: rated.conversationId } })).toBe(1);
    await eventually(() => low.find((e) => e.ticketNumber === number), 5000, 'csat.low');
    expect(low.find((e) => e.ticketNumber === number)).toMatchObject({ score: 2, comment: null, channel: 'telegram' });
  });

  it('a typed "4 …" after the survey is the rating with a comment', async () => {
    const { user, number } = await resolvedTicket('en', 'Mike');
    await sendSurvey(number);
    await user.waitForText(/^How did we do/);
    await user.say('4 took a while but fine');
    await user.waitForText(/^Thank you for your rating!/);
    expect(await ticket(number)).toMatchObject({ status: 'resolved', csatScore: 4, csatComment: 'took a while but fine' });
    expect(low.some((e) => e.ticketNumber === number)).toBe(false);
  });
});
