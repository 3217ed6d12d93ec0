/**
 * Agents' edits in the Slack desk: editing a reply in the card's thread (`message_changed`) edits
 * the customer's copy (here on the API channel: its signed `message.edited` webhook); a repeated
 * event does nothing; an edited note stays internal; an edit made through the REST API shows in
 * the thread; and an edit the customer's channel cannot take (a channel without `edit`) sends the
 * customer nothing and tells the agent in the thread.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDesk } from '../../../src/desks/slack/index.js';
import { slackSignature } from '../../../src/desks/slack/verify.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { FakeAdapter, RecordingSender, type SentMessage } from '../../support/fakeAdapter.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhookReceiver.js';
import { startFakeSlack, type FakeSlack } from './fakeSlack.js';

const SECRET = 'test-slack-signing-secret';
const CHANNEL = 'CAGENTS';

let t: TestGateway;
let slack: FakeSlack;
let hook: WebhookReceiver;
/** What the WhatsApp stand-in (a channel that cannot edit) was asked to send. */
const whatsapp: SentMessage[] = [];

beforeAll(async () => {
  slack = await startFakeSlack();
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway(
    { API_CHANNEL_WEBHOOK_URL: hook.url, BOT_ENABLED: 'false', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_AGENT_CHANNEL: CHANNEL, SLACK_API_URL: slack.url },
    {
      desks: (deps) => [createSlackDesk(deps, { postsPerSecond: 50 })],
      adapters: () => [new FakeAdapter('whatsapp', new RecordingSender('whatsapp', whatsapp))],
    },
  );
  await t.gateway.db.agent.create({ data: { handle: 'alice', name: 'Alice', email: 'alice@example.com', slackUserId: 'UALICE' } });
  await eventually(() => (t.gateway.desks[0]?.status().state === 'connected' ? true : undefined), 5000, 'the desk to connect');
});
afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await hook?.close();
});

function slackEvent(event: Record<string, unknown>, eventId = `Ev${randomUUID()}`): Promise<Response> {
  const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: eventId, event_time: Math.floor(Date.now() / 1000), event });
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(`${t.baseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(SECRET, timestamp, body) },
    body,
  });
}

let seq = 0;
const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;

/** Alice writes in the card's thread; resolves once the reply (or note) is stored. */
async function threadReply(number: number, cardTs: string, text: string): Promise<{ ts: string; messageId: string }> {
  const ts = newTs();
  expect((await slackEvent({ type: 'message', channel: CHANNEL, user: 'UALICE', text, ts, thread_ts: cardTs })).status).toBe(200);
  const row = await eventually(() => t.gateway.db.deskMessage.findFirst({ where: { desk: 'slack:reply', chatId: `${CHANNEL}/${ts}` } }).then((r) => r ?? undefined), 5000, 'the reply recorded');
  expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: row.messageId } })).ticketId).toBe((await t.gateway.db.ticket.findUniqueOrThrow({ where: { number } })).id);
  return { ts, messageId: row.messageId };
}

/** Alice edits her thread message, as Slack reports it (`message_changed`). */
function editInThread(cardTs: string, ts: string, text: string, eventId?: string): Promise<Response> {
  return slackEvent(
    {
      type: 'message', subtype: 'message_changed', channel: CHANNEL, ts: newTs(), hidden: true,
      message: { type: 'message', user: 'UALICE', text, ts, thread_ts: cardTs, edited: { user: 'UALICE', ts: newTs() } },
      previous_message: { type: 'message', user: 'UALICE', text: 'old', ts, thread_ts: cardTs },
    },
    eventId,
  );
}

/** A customer writes (API channel, or the WhatsApp stand-in); resolves with the ticket and its card's ts. */
async function ticketWithCard(channel: 'api' | 'whatsapp', name: string): Promise<{ number: number; cardTs: string; chatId: string }> {
  const chatId = channel === 'api' ? `chat-${randomUUID()}` : `7916${Math.floor(Math.random() * 1e7)}@c.us`;
  if (channel === 'api') expect((await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name }, text: 'Где заказ?' })).status).toBe(202);
  else await t.gateway.pipeline.ingest({ channel, chatId, messageId: `wa-${randomUUID()}`, from: { id: chatId, name }, text: 'Где заказ?' });
  const card = await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === CHANNEL && !c.args.thread_ts && String(c.args.text).includes(` · ${name} · `)), 10_000, `the card of ${name}`);
  const number = Number(/#(\d+)/.exec(String(card.args.text))?.[1]);
  await eventually(() => t.gateway.db.deskThread.findFirst({ where: { ticket: { number }, threadId: card.ts! } }).then((r) => r ?? undefined), 5000, 'the desk thread');
  return { number, cardTs: card.ts!, chatId };
}

const inThread = (cardTs: string) => slack.of('chat.postMessage').filter((c) => c.args.thread_ts === cardTs);

describe('Slack desk: agents edit their replies', () => {
  it('an edit of a reply in the thread reaches the customer; the same event again does nothing', async () => {
    const { number, cardTs, chatId } = await ticketWithCard('api', 'Ivan Edit');
    const { ts, messageId } = await threadReply(number, cardTs, 'Доставим за 3 дня');
    await eventually(() => hook.received.some((r) => r.body.chatId === chatId && r.body.text === 'Доставим за 3 дня'), 8000, 'the reply');

    const eventId = `Ev${randomUUID()}`;
    expect((await editInThread(cardTs, ts, 'Доставим за 2 дня', eventId)).status).toBe(200);
    const edited = await eventually(() => hook.received.find((r) => r.body.chatId === chatId && r.body.event === 'message.edited'), 8000, 'the edit webhook');
    expect(edited.signatureValid).toBe(true);
    expect(edited.body).toMatchObject({ messageId, text: 'Доставим за 2 дня', previousText: 'Доставим за 3 дня', author: { kind: 'agent', name: 'Alice' } });
    expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } })).text).toBe('Доставим за 2 дня');

    // Slack's retry (same event id) and the same change under another event id: nothing more.
    await editInThread(cardTs, ts, 'Доставим за 2 дня', eventId);
    await editInThread(cardTs, ts, 'Доставим за 2 дня');
    await new Promise((r) => setTimeout(r, 800));
    expect(hook.received.filter((r) => r.body.chatId === chatId && r.body.event === 'message.edited')).toHaveLength(1);
    expect(await t.gateway.db.messageEdit.count({ where: { messageId } })).toBe(1);
    // The agent's own edit is not echoed into the thread as a note.
    expect(inThread(cardTs).some((c) => String(c.args.text).includes('Reply edited'))).toBe(false);
  });

  it('an edited note stays internal; an edit through the REST API shows in the thread', async () => {
    const { number, cardTs, chatId } = await ticketWithCard('api', 'Olga Note');
    const note = await threadReply(number, cardTs, 'note: проверить оплату');
    expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: note.messageId } })).authorKind).toBe('note');
    expect((await editInThread(cardTs, note.ts, 'note: проверить оплату и адрес')).status).toBe(200);
    await eventually(async () => (await t.gateway.db.message.findUniqueOrThrow({ where: { id: note.messageId } })).text === 'проверить оплату и адрес', 5000, 'the note edited');

    const res = await t.api('POST', `/tickets/${number}/messages`, { text: 'Оплата прошла', agent: 'alice' });
    const { messageId } = (await res.json()) as { messageId: string };
    await eventually(async () => (await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } })).deliveryState === 'sent', 8000, 'the REST reply sent');
    expect((await t.api('PATCH', `/tickets/${number}/messages/${messageId}`, { text: 'Оплата прошла, заказ собран' })).status).toBe(200);
    const noted = await eventually(() => inThread(cardTs).find((c) => String(c.args.text).includes('Reply edited')), 5000, 'the edit noted in the thread');
    expect(String(noted.args.text)).toContain('Оплата прошла, заказ собран');
    expect(String(noted.args.text)).toContain('>Оплата прошла');
    await eventually(() => hook.received.some((r) => r.body.chatId === chatId && r.body.event === 'message.edited'), 8000, 'the customer got the REST edit');
    expect(hook.received.filter((r) => r.body.chatId === chatId).map((r) => r.body.text)).toEqual(['Оплата прошла', 'Оплата прошла, заказ собран']);
  });

  it('a reply whose mapping for later edits cannot be stored is still sent once, and the agent is not told "Not sent"', async () => {
    const { number, cardTs, chatId } = await ticketWithCard('api', 'Nina NoMap');
    // PostgreSQL refuses the mapping rows (as it would when failing right after the reply committed).
    await t.gateway.db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION refuse_reply_map() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$ LANGUAGE plpgsql`);
    await t.gateway.db.$executeRawUnsafe(`CREATE TRIGGER refuse_reply_map BEFORE INSERT ON "DeskMessage" FOR EACH ROW WHEN (NEW."desk" = 'slack:reply') EXECUTE FUNCTION refuse_reply_map()`);
    try {
      const ts = newTs();
      expect((await slackEvent({ type: 'message', channel: CHANNEL, user: 'UALICE', text: 'Заказ уже в пути', ts, thread_ts: cardTs })).status).toBe(200);
      await eventually(() => hook.received.some((r) => r.body.chatId === chatId && r.body.text === 'Заказ уже в пути'), 8000, 'the reply');
      await new Promise((r) => setTimeout(r, 500));
      expect(await t.gateway.db.message.count({ where: { ticket: { number }, authorKind: 'agent' } })).toBe(1);
      expect(hook.received.filter((r) => r.body.chatId === chatId)).toHaveLength(1);
      expect(slack.of('chat.postEphemeral').some((c) => String(c.args.text).startsWith('Not sent'))).toBe(false);
      expect(await t.gateway.db.deskMessage.count({ where: { desk: 'slack:reply', chatId: `${CHANNEL}/${ts}` } })).toBe(0);
    } finally {
      await t.gateway.db.$executeRawUnsafe('DROP TRIGGER IF EXISTS refuse_reply_map ON "DeskMessage"');
    }
  });

  it('a channel that cannot edit: the customer gets nothing more, the agent is told in the thread', async () => {
    const { number, cardTs, chatId } = await ticketWithCard('whatsapp', 'Pavel NoEdit');
    const { ts, messageId } = await threadReply(number, cardTs, 'Стоимость 500 руб.');
    await eventually(() => whatsapp.some((m) => m.chatId === chatId), 8000, 'the reply on the channel');
    await eventually(async () => (await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } })).deliveryState === 'sent', 5000, 'sent');

    expect((await editInThread(cardTs, ts, 'Стоимость 700 руб.')).status).toBe(200);
    const notice = await eventually(() => inThread(cardTs).find((c) => String(c.args.text).includes("can't edit the sent message")), 8000, 'the notice');
    expect(String(notice.args.text)).toContain('<@UALICE>');
    expect(String(notice.args.text)).toContain('send a correction');
    expect(String(notice.args.text)).toContain('Стоимость 700 руб.');
    expect(whatsapp.filter((m) => m.chatId === chatId).map((m) => m.text)).toEqual(['Стоимость 500 руб.']);
    expect(await t.gateway.db.messageEdit.findFirstOrThrow({ where: { messageId } })).toMatchObject({ deliveryState: 'failed' });
  });
});
