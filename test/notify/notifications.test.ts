/**
 * Customer notifications, CSAT answers and canned responses end to end: a real gateway
 * (PostgreSQL, Redis, the sample KB), the customer on the API channel (replies reach a signed
 * webhook), agents on the REST API and in a fake Slack.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csatSurvey } from '../../src/core/notify/csat.js';
import { ticketLang } from '../../src/core/notify/lang.js';
import { createSlackDesk } from '../../src/desks/slack/index.js';
import { slackSignature } from '../../src/desks/slack/verify.js';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { startFakeSlack, type FakeSlack } from '../desks/slack/fakeSlack.js';

const SLACK_SECRET = 'notify-slack-secret';
const CHANNEL = 'CAGENTS';

let t: TestGateway;
let hook: WebhookReceiver;
let slack: FakeSlack;

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  slack = await startFakeSlack();
  t = await startTestGateway(
    {
      API_CHANNEL_WEBHOOK_URL: hook.url,
      KB_DIR: SAMPLE_KB_DIR,
      DESK_CONFIG: 'test/notify/desk.yaml',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_AGENT_CHANNEL: CHANNEL,
      SLACK_API_URL: slack.url,
    },
    { desks: (deps) => [createSlackDesk(deps, { postsPerSecond: 50 })] },
  );
  await t.gateway.db.agent.createMany({
    data: [
      { handle: 'ivan', name: 'Иван Петров', email: 'ivan@example.com', slackUserId: 'UIVAN' },
      { handle: 'anna', name: 'Anna', email: 'anna@example.com' },
    ],
  });
  await eventually(() => (t.gateway.desks[0]?.status().state === 'connected' ? true : undefined), 5000, 'the Slack desk');
});

afterAll(async () => {
  await t?.stop();
  await hook?.close();
  await slack?.close();
});

const db = () => t.gateway.db;

/** A customer on the API channel. */
function customer(name: string) {
  const chatId = `chat-${randomUUID()}`;
  const say = async (text: string, extra: Record<string, unknown> = {}): Promise<number> => {
    const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name }, text, ...extra });
    expect(res.status).toBeLessThan(300);
    return ((await res.json()) as { ticketNumber: number }).ticketNumber;
  };
  /** What the customer received from the desk itself (author kind "system"), in order. */
  const system = () => hook.received.filter((r) => r.body.chatId === chatId && (r.body.author as { kind: string }).kind === 'system').map((r) => String(r.body.text));
  const received = () => hook.received.filter((r) => r.body.chatId === chatId);
  return { chatId, say, system, received };
}

/** The ticket's system messages as stored (written before the listener finishes: no waiting for delivery). */
async function storedSystem(number: number): Promise<string[]> {
  await t.gateway.events.idle();
  const rows = await db().message.findMany({ where: { ticket: { number }, authorKind: 'system' }, orderBy: { seq: 'asc' }, select: { text: true } });
  return rows.map((r) => r.text);
}

const ticket = (number: number) => db().ticket.findUniqueOrThrow({ where: { number } });

async function patch(number: number, body: Record<string, unknown>): Promise<Response> {
  return t.api('PATCH', `/tickets/${number}`, body);
}

/** Sends the CSAT survey as the timers do: csatSurvey through the Outbox, and the mark. */
async function sendSurvey(number: number, requestedAt = new Date()): Promise<void> {
  const tk = await db().ticket.findUniqueOrThrow({ where: { number }, select: { id: true, number: true, conversationId: true, channel: true } });
  const survey = csatSurvey(t.gateway.settings.current, await ticketLang(db(), tk.id), number);
  await db().ticket.update({ where: { id: tk.id }, data: { csatRequestedAt: requestedAt } });
  await t.gateway.outbox.send(tk, { authorKind: 'system', authorName: null, text: survey.text, buttons: survey.buttons });
}

/** A customer handed to people (the bot's handoff), so the ticket has a Slack card. */
async function handedOver(name: string, text = 'I want to talk to a human') {
  const c = customer(name);
  const number = await c.say(text);
  await eventually(async () => !(await ticket(number)).botActive, 8000, 'the handoff');
  const card = await eventually(() => slack.of('chat.postMessage').find((m) => !m.args.thread_ts && String(m.args.text).startsWith(`#${number} `)), 8000, 'the card');
  await eventually(() => db().deskThread.findFirst({ where: { ticket: { number }, threadId: card.ts! } }).then((r) => r ?? undefined), 5000, 'the desk thread');
  return { ...c, number, cardTs: card.ts! };
}

function slackThreadReply(threadTs: string, user: string, text: string): Promise<Response> {
  const ts = `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: 'T1',
    event_id: `Ev${randomUUID()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'message', channel: CHANNEL, channel_type: 'channel', user, text, ts, thread_ts: threadTs },
  });
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(`${t.baseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(SLACK_SECRET, timestamp, body) },
    body,
  });
}

describe('status notifications', () => {
  it('"taken": one message when an agent is assigned, with their name, in the configured template', async () => {
    const c = await handedOver('Olga');
    expect((await patch(c.number, { assignee: 'ivan' })).status).toBe(200);
    await eventually(() => c.system().length === 1, 8000, 'the taken notification');
    expect(c.system()).toEqual([`Иван Петров now has your request #${c.number}.`]);
    // The same assignment again changes nothing: no second notification.
    expect((await patch(c.number, { assignee: 'ivan' })).status).toBe(200);
    expect(await storedSystem(c.number)).toHaveLength(1);
    // A reassignment is a change: the new agent is announced.
    await patch(c.number, { assignee: 'anna' });
    expect(await storedSystem(c.number)).toEqual([`Иван Петров now has your request #${c.number}.`, `Anna now has your request #${c.number}.`]);
  });

  it("an agent's first reply assigns the ticket without a separate \"taken\" message", async () => {
    const c = await handedOver('Pavel');
    expect((await t.api('POST', `/tickets/${c.number}/messages`, { text: 'Hi Pavel, on it', agent: 'anna' })).status).toBe(201);
    await eventually(async () => (await ticket(c.number)).assigneeId !== null, 5000, 'the assignment');
    expect(await storedSystem(c.number)).toEqual([]);
  });

  it('"pending" tells the reason, kept in the audit trail; a snooze without a reason stays quiet', async () => {
    const c = await handedOver('Nina');
    const res = await patch(c.number, { status: 'pending', reason: 'please send the order number from your email' });
    expect(res.status).toBe(200);
    await eventually(() => c.system().length === 1, 8000, 'the pending notification');
    expect(c.system()[0]).toBe(`Request #${c.number} is waiting for your reply. Please send the order number from your email`);
    const entry = await db().ticketEvent.findFirstOrThrow({ where: { ticket: { number: c.number }, type: 'status_changed' }, orderBy: { seq: 'desc' } });
    expect(entry.data).toEqual({ from: 'new', to: 'pending', reason: 'please send the order number from your email' });

    const quiet = await handedOver('Sleepy');
    expect((await patch(quiet.number, { status: 'pending', pendingUntil: new Date(Date.now() + 3600_000).toISOString() })).status).toBe(200);
    expect(await storedSystem(quiet.number)).toEqual([]);

    const bad = await patch(quiet.number, { status: 'open', reason: 'why' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field?: string }).field).toBe('reason');
  });

  it('"resolved" (reply to reopen) once, in the customer\'s language', async () => {
    const c = await handedOver('Вера', 'Хочу поговорить с оператором');
    expect((await patch(c.number, { status: 'resolved' })).status).toBe(200);
    await eventually(() => c.system().length === 1, 8000, 'the resolved notification');
    expect(c.system()[0]).toMatch(new RegExp(`^Обращение #${c.number} решено\\. Если вопрос остался, просто ответьте`));
    expect((await patch(c.number, { status: 'resolved' })).status).toBe(200);
    expect(await storedSystem(c.number)).toHaveLength(1);
  });

  it('no "resolved" message when the bot resolved the ticket as a deflection', async () => {
    const c = customer('John');
    const number = await c.say('How long does delivery take?');
    const answer = await eventually(() => c.received().find((r) => (r.body.author as { kind: string }).kind === 'bot'), 8000, "the bot's answer");
    const yes = (answer.body.buttons as Array<{ id: string; label: string }>)[0]!;
    await c.say(yes.label, { buttonId: yes.id });
    await eventually(async () => (await ticket(number)).status === 'resolved', 8000, 'the deflection');
    expect(await storedSystem(number)).toEqual([]);
  });
});

describe('CSAT answers', () => {
  it('a digit with a comment rates the resolved ticket without reopening it; a low rating goes to the Slack thread', async () => {
    const c = await handedOver('Мария', 'Хочу поговорить с человеком');
    await patch(c.number, { status: 'resolved', assignee: 'ivan' });
    await sendSurvey(c.number);
    await eventually(() => c.received().some((r) => Array.isArray(r.body.buttons) && (r.body.buttons as unknown[]).length === 5), 8000, 'the survey');
    const survey = c.received().find((r) => Array.isArray(r.body.buttons) && (r.body.buttons as unknown[]).length === 5)!;
    expect((survey.body.buttons as Array<{ id: string }>).map((b) => b.id)).toEqual(['csat:1', 'csat:2', 'csat:3', 'csat:4', 'csat:5']);

    const ratedIn = await c.say('2 курьер опоздал на два дня');
    expect(ratedIn).toBe(c.number);
    const rated = await ticket(c.number);
    expect(rated).toMatchObject({ status: 'resolved', csatScore: 2, csatComment: 'курьер опоздал на два дня' });
    expect(rated.csatRatedAt).not.toBeNull();
    const audit = await db().ticketEvent.findFirstOrThrow({ where: { ticketId: rated.id, type: 'csat_rated' } });
    expect(audit).toMatchObject({ actorKind: 'customer', data: expect.objectContaining({ score: 2, comment: 'курьер опоздал на два дня', by: 'text' }) });
    await eventually(() => c.system().some((x) => x.startsWith('Спасибо за оценку!')), 8000, 'the thanks');
    // The message is on the rated ticket, and no new ticket was opened.
    expect(await db().ticket.count({ where: { conversationId: rated.conversationId } })).toBe(1);
    expect((await db().message.findMany({ where: { ticketId: rated.id, direction: 'inbound' } })).map((m) => m.text)).toContain('2 курьер опоздал на два дня');
    // The bot stayed out of it: its last word is still the handoff.
    expect(await db().botTurn.count({ where: { ticketId: rated.id } })).toBe(1);

    const note = await eventually(
      () => slack.of('chat.postMessage').find((m) => m.args.thread_ts === c.cardTs && String(m.args.text).includes('Low CSAT')),
      8000,
      'the low rating in the thread',
    );
    expect(String(note.args.text)).toContain('2/5');
    expect(String(note.args.text)).toContain('курьер опоздал на два дня');

    // A real new message afterwards reopens the ticket as usual.
    await c.say('И ещё: где мой второй заказ?');
    expect((await ticket(c.number)).status).toBe('open');
  });

  it('a button press rates a closed ticket without opening a new one; the first rating stands', async () => {
    const c = await handedOver('Kate');
    await patch(c.number, { status: 'closed' });
    await sendSurvey(c.number);
    const lowBefore = slack.of('chat.postMessage').filter((m) => String(m.args.text).includes('Low CSAT')).length;

    expect(await c.say('⭐⭐⭐⭐⭐', { buttonId: 'csat:5' })).toBe(c.number);
    const rated = await ticket(c.number);
    expect(rated).toMatchObject({ status: 'closed', csatScore: 5, csatComment: null });
    await eventually(() => c.system().some((x) => x.startsWith('Thank you for your rating!')), 8000, 'the thanks');

    // A second press: stored on the ticket, the rating and the thanks unchanged.
    expect(await c.say('⭐', { buttonId: 'csat:1' })).toBe(c.number);
    expect(await ticket(c.number)).toMatchObject({ csatScore: 5, csatRatedAt: rated.csatRatedAt });
    expect((await storedSystem(c.number)).filter((x) => x.startsWith('Thank you'))).toHaveLength(1);
    expect(await db().ticket.count({ where: { conversationId: rated.conversationId } })).toBe(1);
    expect(await db().ticketEvent.count({ where: { ticketId: rated.id, type: 'csat_rated' } })).toBe(1);
    expect(slack.of('chat.postMessage').filter((m) => String(m.args.text).includes('Low CSAT'))).toHaveLength(lowBefore);

    // A question after the survey is a new question: a new ticket (the old one is closed).
    const next = await c.say('1 where is my refund?');
    expect(next).not.toBe(c.number);
  });

  it('a typed digit long after the survey, or on a ticket never surveyed, is an ordinary message', async () => {
    const old = await handedOver('Late Larry');
    await patch(old.number, { status: 'resolved' });
    await sendSurvey(old.number, new Date(Date.now() - 8 * 24 * 3600_000));
    await old.say('3');
    expect(await ticket(old.number)).toMatchObject({ status: 'open', csatScore: null });

    const never = await handedOver('Never Asked');
    await patch(never.number, { status: 'resolved' });
    await never.say('5');
    expect(await ticket(never.number)).toMatchObject({ status: 'open', csatScore: null });
  });
});

describe('canned responses', () => {
  it('GET /canned lists them; POST /tickets/:number/canned sends one as the agent, in the customer\'s language', async () => {
    const list = await t.api('GET', '/canned');
    expect(list.status).toBe(200);
    const { canned } = (await list.json()) as { canned: Array<{ shortcut: string; title: string | null; text: { ru: string; en: string } }> };
    expect(canned.map((c) => c.shortcut)).toEqual(['hello', 'track']);
    expect(canned[1]!.text).toEqual({ ru: 'Track your order at https://shop.example/track', en: 'Track your order at https://shop.example/track' });

    const c = await handedOver('Олег', 'Позовите оператора, пожалуйста');
    const res = await t.api('POST', `/tickets/${c.number}/canned`, { shortcut: 'hello', agent: 'ivan' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { messageId: string; text: string };
    expect(body.text).toBe(`Здравствуйте, Олег! Меня зовут Иван Петров, обращение #${c.number}.`);
    const got = await eventually(() => c.received().find((r) => r.body.text === body.text), 8000, 'the canned reply');
    expect(got.body.author).toEqual({ kind: 'agent', name: 'Иван Петров' });
    const after = await db().ticket.findUniqueOrThrow({ where: { number: c.number }, include: { assignee: true } });
    expect(after.assignee?.handle).toBe('ivan');
    expect(after.firstRespondedAt).not.toBeNull();

    const unknown = await t.api('POST', `/tickets/${c.number}/canned`, { shortcut: 'nope' });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()) as Record<string, string>).toMatchObject({ field: 'shortcut' });
    expect((await t.api('POST', '/tickets/999999/canned', { shortcut: 'hello' })).status).toBe(404);
    expect((await t.api('POST', `/tickets/${c.number}/canned`, { shortcut: 'hello', agent: 'ghost' })).status).toBe(400);
  });

  it('"!shortcut" in a Slack thread sends it as the agent\'s reply; an unknown one gets an ephemeral error', async () => {
    const c = await handedOver('Liam');
    expect((await slackThreadReply(c.cardTs, 'UIVAN', '!hello')).status).toBe(200);
    const text = `Hello Liam! I am Иван Петров, request #${c.number}.`;
    const got = await eventually(() => c.received().find((r) => r.body.text === text), 8000, 'the canned reply at the customer');
    expect(got.body.author).toEqual({ kind: 'agent', name: 'Иван Петров' });
    // The thread shows what was sent (the agent typed only the shortcut).
    await eventually(() => slack.of('chat.postMessage').some((m) => m.args.thread_ts === c.cardTs && String(m.args.text).includes(text)), 8000, 'the canned reply in the thread');

    await slackThreadReply(c.cardTs, 'UIVAN', '!helo');
    const error = await eventually(() => slack.of('chat.postEphemeral').find((m) => m.args.user === 'UIVAN' && String(m.args.text).includes('!helo')), 8000, 'the ephemeral error');
    expect(String(error.args.text)).toMatch(/unknown canned response "!helo" \(known: !hello, !track\)/);
    expect(error.args.thread_ts).toBe(c.cardTs);
    // Not sent to the customer, and an exclamation inside a sentence is an ordinary reply.
    await slackThreadReply(c.cardTs, 'UIVAN', '!important: your refund is on its way');
    await eventually(() => c.received().some((r) => r.body.text === '!important: your refund is on its way'), 8000, 'the ordinary reply');
    expect(c.received().filter((r) => String(r.body.text).includes('helo'))).toHaveLength(0);
  });
});
