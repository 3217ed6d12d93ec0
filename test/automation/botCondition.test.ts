/**
 * The `bot` condition of automation rules: true while the knowledge-base bot has the ticket, false
 * once people have it. An out-of-hours auto-reply written with `bot: false` is not sent to a
 * customer the bot is answering (it would promise an agent the customer may not need), but is
 * when the bot is off; after the bot hands over, the customer's messages are people's.
 * Real PostgreSQL and Redis, through the API channel; the sample KB.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

// Closed now: open every day, but today (and the days around it, whatever the clock says) are holidays.
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const DESK = `
categories:
  - { path: delivery, title: { ru: Доставка, en: Delivery } }
calendars:
  closed-today:
    timeZone: UTC
    hours: { mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"], sat: ["09:00-17:00"], sun: ["09:00-17:00"] }
    holidays: ["${day(-1)}", "${day(0)}", "${day(1)}"]
timers:
  calendar: closed-today
canned:
  - shortcut: outside
    text: { ru: "Ответим в рабочее время.", en: "We will answer during business hours." }
automation:
  - name: out-of-hours reply
    when: ticket.created
    if: { businessHours: false, bot: false }
    then:
      - reply: outside
  - name: bot has it
    when: ticket.created
    if: { bot: true }
    then:
      - addTags: [bot-first]
  - name: people after the handoff
    when: message.received
    if: { bot: false }
    then:
      - addTags: [people]
`;

let withBot: TestGateway;
let withoutBot: TestGateway;
let customers: WebhookReceiver;

beforeAll(async () => {
  customers = await startWebhookReceiver(API_SECRET);
  const dir = await mkdtemp(path.join(tmpdir(), 'omnidesk-bot-condition-'));
  const file = path.join(dir, 'desk.yaml');
  await writeFile(file, DESK);
  const env = { DESK_CONFIG: file, KB_DIR: SAMPLE_KB_DIR, API_CHANNEL_WEBHOOK_URL: customers.url };
  [withBot, withoutBot] = await Promise.all([startTestGateway(env), startTestGateway({ ...env, BOT_ENABLED: 'false' })]);
});

afterAll(async () => {
  await withBot?.stop();
  await withoutBot?.stop();
  await customers?.close();
});

async function write(t: TestGateway, chatId: string, text: string): Promise<number> {
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Rita' }, text });
  expect(res.status).toBe(202);
  return ((await res.json()) as { ticketNumber: number }).ticketNumber;
}

const tagsOf = async (t: TestGateway, number: number) => (await t.gateway.db.ticket.findUniqueOrThrow({ where: { number } })).tags;
const textsTo = (chatId: string) => customers.received.filter((r) => r.body.chatId === chatId).map((r) => String(r.body.text));

describe('the bot condition', () => {
  it('while the bot answers, the out-of-hours reply stays unsent; after the handoff the messages are people\'s', async () => {
    const chatId = `chat-${randomUUID()}`;
    const number = await write(withBot, chatId, 'How long does delivery take?');
    await eventually(() => textsTo(chatId).some((text) => text.startsWith('How long does delivery take')), 10_000, "the bot's answer");
    await eventually(async () => (await tagsOf(withBot, number)).includes('bot-first'), 5000, 'the bot rule');
    await withBot.gateway.events.idle();
    expect(textsTo(chatId).some((text) => text.includes('business hours'))).toBe(false);
    expect(await tagsOf(withBot, number)).toEqual(['bot-first']);

    // "human": the bot hands over; the customer's next message finds people in charge.
    expect(await write(withBot, chatId, 'human')).toBe(number);
    await eventually(async () => !(await withBot.gateway.db.ticket.findUniqueOrThrow({ where: { number } })).botActive, 5000, 'the handoff');
    expect(await write(withBot, chatId, 'Are you there?')).toBe(number);
    await eventually(async () => (await tagsOf(withBot, number)).includes('people'), 5000, 'the people rule');
  });

  it('with the bot off, people have every ticket: the out-of-hours reply goes out', async () => {
    const chatId = `chat-${randomUUID()}`;
    const number = await write(withoutBot, chatId, 'How long does delivery take?');
    await eventually(() => textsTo(chatId).includes('We will answer during business hours.'), 10_000, 'the out-of-hours reply');
    await withoutBot.gateway.events.idle();
    expect(await tagsOf(withoutBot, number)).not.toContain('bot-first');
  });
});
