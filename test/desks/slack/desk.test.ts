/**
 * The Slack desk end to end: a real gateway (PostgreSQL, Redis, the KB bot on the sample KB), a
 * fake Slack Web API, and correctly signed Slack requests. The customer writes on the API
 * channel; what agents do in Slack must reach the customer's webhook.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDesk } from '../../../src/desks/slack/index.js';
import { tomorrowMorning } from '../../../src/desks/slack/snooze.js';
import { slackSignature } from '../../../src/desks/slack/verify.js';
import { SAMPLE_KB_DIR } from '../../../src/kb/setup.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhookReceiver.js';
import { startFakeSlack, type FakeSlack } from './fakeSlack.js';
import { handOff as handOffToSlack } from './handOff.js';

const SECRET = 'test-slack-signing-secret';
const CHANNEL = 'CAGENTS';

let t: TestGateway;
let slack: FakeSlack;
let hook: WebhookReceiver;

beforeAll(async () => {
  slack = await startFakeSlack();
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway(
    {
      API_CHANNEL_WEBHOOK_URL: hook.url,
      KB_DIR: SAMPLE_KB_DIR,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_AGENT_CHANNEL: CHANNEL,
      SLACK_API_URL: slack.url,
    },
    { desks: (deps) => [createSlackDesk(deps, { postsPerSecond: 50 })] },
  );
  await t.gateway.db.agent.createMany({
    data: [
      { handle: 'alice', name: 'Alice', email: 'alice@example.com', slackUserId: 'UALICE' },
      { handle: 'bob', name: 'Bob', email: 'bob@example.com' },
    ],
  });
  slack.emails.set('UBOB', 'Bob@Example.com');
  await eventually(() => (t.gateway.desks[0]?.status().state === 'connected' ? true : undefined), 5000, 'the desk to connect');
});

afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await hook?.close();
});

/** POSTs a request to /slack/events signed as Slack does. */
function signed(body: string, contentType: string, headers: Record<string, string> = {}, secret = SECRET, timestamp = Math.floor(Date.now() / 1000)): Promise<Response> {
  return fetch(`${t.baseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(secret, timestamp, body), ...headers },
    body,
  });
}

function slackEvent(event: Record<string, unknown>, opts: { eventId?: string; retryNum?: number } = {}): Promise<Response> {
  const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: opts.eventId ?? `Ev${randomUUID()}`, event_time: Math.floor(Date.now() / 1000), event });
  return signed(body, 'application/json', opts.retryNum ? { 'x-slack-retry-num': String(opts.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {});
}

function threadReply(threadTs: string, user: string, text: string, opts: { eventId?: string; retryNum?: number; ts?: string } = {}) {
  const ts = opts.ts ?? `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
  return slackEvent({ type: 'message', channel: CHANNEL, channel_type: 'channel', user, text, ts, thread_ts: threadTs }, opts);
}

function pressButton(user: string, actionId: string, ticketNumber: number, cardTs: string) {
  const payload = {
    type: 'block_actions',
    user: { id: user },
    channel: { id: CHANNEL },
    message: { ts: cardTs },
    actions: [{ action_id: actionId, value: String(ticketNumber), type: 'button' }],
  };
  return signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
}

function pickPriority(user: string, ticketNumber: number, cardTs: string, priority: string) {
  const payload = {
    type: 'block_actions',
    user: { id: user },
    channel: { id: CHANNEL },
    message: { ts: cardTs },
    actions: [{ action_id: 'desk_priority', block_id: `ticket_${ticketNumber}`, type: 'static_select', selected_option: { text: { type: 'plain_text', text: priority }, value: `${ticketNumber}:${priority}` } }],
  };
  return signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
}

function slash(user: string, text: string) {
  return signed(new URLSearchParams({ command: '/desk', text, user_id: user, channel_id: CHANNEL, team_id: 'T1' }).toString(), 'application/x-www-form-urlencoded');
}

const handOff = (name: string) => handOffToSlack(t, slack, CHANNEL, name);

const messagesOf = (number: number) => t.gateway.db.message.findMany({ where: { ticket: { number } }, orderBy: { seq: 'asc' } });
const ticket = (number: number) => t.gateway.db.ticket.findUniqueOrThrow({ where: { number }, include: { assignee: true } });

describe('Slack desk', () => {
  it('answers url_verification and refuses forged or stale requests with 401', async () => {
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });
    const ok = await signed(challenge, 'application/json');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ challenge: 'abc123' });
    expect((await signed(challenge, 'application/json', {}, 'wrong-secret')).status).toBe(401);
    expect((await signed(challenge, 'application/json', {}, SECRET, Math.floor(Date.now() / 1000) - 10 * 60)).status).toBe(401);
    const unsigned = await fetch(`${t.baseUrl}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: challenge });
    expect(unsigned.status).toBe(401);
  });

  it('posts one card for a ticket handed to people, and mirrors the conversation into its thread', async () => {
    const { number, ts, chatId } = await handOff('Ivan Petrov');
    const card = slack.of('chat.postMessage').find((c) => !c.args.thread_ts && String(c.args.text).startsWith(`#${number} `))!;
    const blocks = JSON.stringify(card.args.blocks);
    for (const part of ['Ticket #', 'Ivan Petrov', '*Channel*\\napi', '*Priority*\\nnormal', '*Line*\\n1', 'I want to talk to a human', 'desk_take', 'desk_resolve', 'desk_snooze_1h', 'desk_snooze_4h', 'desk_snooze_tomorrow', 'desk_priority', 'desk_escalate']) {
      expect(blocks).toContain(part);
    }
    // The bot's handoff message lands in the thread (as the story before the card).
    await eventually(() => slack.of('chat.postMessage').some((c) => c.args.thread_ts === ts && String(c.args.text).includes(':robot_face:')), 5000, 'the bot message in the thread');

    // More handoff events for the same ticket, at once: still one card.
    const row = await ticket(number);
    for (let i = 0; i < 3; i++) t.gateway.events.publish('ticket.handoff', { ticketId: row.id, ticketNumber: number, conversationId: row.conversationId, channel: 'api', reason: 'asked_for_human', actor: { kind: 'bot' } });
    await t.gateway.events.idle();
    expect(slack.of('chat.postMessage').filter((c) => !c.args.thread_ts && String(c.args.text).startsWith(`#${number} `))).toHaveLength(1);
    expect(await t.gateway.db.deskThread.count({ where: { ticketId: row.id } })).toBe(1);

    // A later customer message is mirrored into the thread.
    await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Ivan Petrov' }, text: 'my order 42 never came' });
    await eventually(() => slack.of('chat.postMessage').some((c) => c.args.thread_ts === ts && String(c.args.text).includes('my order 42 never came')), 5000, 'the customer message in the thread');
  });

  it('uploads the files of a mirrored message into the thread, after its text', async () => {
    const { number, ts } = await handOff('Pavel');
    const pdf = Buffer.from('%PDF-1.4 the manual');
    const stored = await fetch(`${t.baseUrl}/api/v1/files?name=manual.pdf`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.gateway.adminToken}`, 'content-type': 'application/pdf' },
      body: new Uint8Array(pdf),
    });
    expect(stored.status).toBe(201);
    const { id } = (await stored.json()) as { id: string };
    // A reply made elsewhere (the REST API) with a file: mirrored as text, then the file itself.
    expect((await t.api('POST', `/tickets/${number}/messages`, { text: 'Here is the manual', agent: 'alice', attachments: [{ fileId: id }] })).status).toBe(201);
    const done = await eventually(() => slack.of('files.completeUploadExternal').find((c) => c.args.thread_ts === ts), 10_000, 'the file completed into the thread');
    const [file] = done.args.files as Array<{ id: string; title: string }>;
    expect(file?.title).toBe('manual.pdf');
    expect(slack.uploads.get(file!.id)?.equals(pdf)).toBe(true);
    const text = slack.of('chat.postMessage').find((c) => c.args.thread_ts === ts && String(c.args.text).includes('Here is the manual'));
    expect(text?.args.text).toContain('[document: manual.pdf]');
  });

  it("sends an agent's thread reply to the customer once, even when Slack retries the event; note: stays internal", async () => {
    const { number, ts, chatId } = await handOff('Olga');
    const eventId = `Ev${randomUUID()}`;
    const replyTs = '1800000000.000001';
    expect((await threadReply(ts, 'UALICE', 'Hello Olga, I am on it', { eventId, ts: replyTs })).status).toBe(200);
    // Slack retries (our ack was "late"): same event id, and a second delivery under another id.
    expect((await threadReply(ts, 'UALICE', 'Hello Olga, I am on it', { eventId, ts: replyTs, retryNum: 1 })).status).toBe(200);
    expect((await threadReply(ts, 'UALICE', 'Hello Olga, I am on it', { ts: replyTs })).status).toBe(200);

    const delivered = await eventually(() => hook.received.find((r) => r.body.chatId === chatId && JSON.stringify(r.body).includes('Hello Olga, I am on it')), 10_000, 'the reply at the webhook');
    expect(delivered.signatureValid).toBe(true);
    const after = await ticket(number);
    expect(after.assignee?.handle).toBe('alice');
    expect(after.firstRespondedAt).not.toBeNull();
    expect(after.botActive).toBe(false);

    expect((await threadReply(ts, 'UALICE', 'note: customer sounds upset, be gentle')).status).toBe(200);
    expect((await threadReply(ts, 'UALICE', 'Заметка: проверить склад')).status).toBe(200);
    await eventually(async () => (await messagesOf(number)).filter((m) => m.authorKind === 'note').length === 2, 5000, 'the notes');
    await t.gateway.events.idle();
    await new Promise((r) => setTimeout(r, 300));

    const messages = await messagesOf(number);
    expect(messages.filter((m) => m.authorKind === 'agent').map((m) => m.text)).toEqual(['Hello Olga, I am on it']);
    expect(messages.filter((m) => m.authorKind === 'note').map((m) => m.text)).toEqual(['customer sounds upset, be gentle', 'проверить склад']);
    expect(messages.find((m) => m.authorKind === 'note')?.deliveryState).toBeNull();
    expect(hook.received.filter((r) => r.body.chatId === chatId && /upset|склад/.test(JSON.stringify(r.body)))).toHaveLength(0);
    expect(hook.received.filter((r) => r.body.chatId === chatId && JSON.stringify(r.body).includes('Hello Olga'))).toHaveLength(1);
    // The desk's own messages are not mirrored back into the thread.
    expect(slack.of('chat.postMessage').filter((c) => c.args.thread_ts === ts && /Hello Olga|upset|склад/.test(String(c.args.text)))).toHaveLength(0);
    // The card shows the new assignee.
    await eventually(() => slack.of('chat.update').some((c) => c.args.ts === ts && JSON.stringify(c.args.blocks).includes('Alice (@alice)')), 5000, 'the card update');
  });

  it('matches agents by email through users.info, and refuses strangers with an ephemeral message', async () => {
    const { number, ts, chatId } = await handOff('Petr');
    await threadReply(ts, 'USTRANGER', 'let me answer this');
    await eventually(() => slack.of('chat.postEphemeral').some((c) => c.args.user === 'USTRANGER' && /not an agent/.test(String(c.args.text))), 5000, 'the refusal');
    expect((await messagesOf(number)).some((m) => m.text === 'let me answer this')).toBe(false);

    await threadReply(ts, 'UBOB', 'Bob here, checking');
    await eventually(() => hook.received.some((r) => r.body.chatId === chatId && JSON.stringify(r.body).includes('Bob here, checking')), 10_000, "Bob's reply at the webhook");
    expect((await t.gateway.db.agent.findUniqueOrThrow({ where: { handle: 'bob' } })).slackUserId).toBe('UBOB');
    expect(slack.of('users.info').some((c) => c.args.user === 'UBOB')).toBe(true);
  });

  it('Take, Snooze 1h and Resolve change the ticket through TicketService and update the card in place', async () => {
    const { number, ts } = await handOff('Marta');
    expect((await pressButton('UALICE', 'desk_take', number, ts)).status).toBe(200);
    await eventually(async () => (await ticket(number)).assignee?.handle === 'alice', 5000, 'the take');
    await eventually(() => slack.of('chat.update').some((c) => c.args.ts === ts && JSON.stringify(c.args.blocks).includes('Alice (@alice)') && !JSON.stringify(c.args.blocks).includes('desk_take')), 5000, 'the card after take');

    const before = Date.now();
    await pressButton('UALICE', 'desk_snooze_1h', number, ts);
    const snoozed = await eventually(async () => {
      const x = await ticket(number);
      return x.status === 'pending' ? x : undefined;
    }, 5000, 'the snooze');
    expect(snoozed.pendingUntil!.getTime()).toBeGreaterThanOrEqual(before + 59 * 60_000);
    expect(snoozed.pendingUntil!.getTime()).toBeLessThanOrEqual(Date.now() + 61 * 60_000);

    await pressButton('UALICE', 'desk_resolve', number, ts);
    await eventually(async () => (await ticket(number)).status === 'resolved', 5000, 'the resolve');
    await eventually(() => slack.of('chat.update').some((c) => c.args.ts === ts && JSON.stringify(c.args.blocks).includes('*Status*\\nresolved')), 5000, 'the card after resolve');

    const audit = await t.gateway.db.ticketEvent.findMany({ where: { ticket: { number } }, orderBy: { seq: 'asc' } });
    expect(audit.filter((e) => e.actorKind === 'agent' && e.actorName === 'Alice').map((e) => e.type)).toEqual(
      expect.arrayContaining(['assigneeId_changed', 'status_changed', 'pendingUntil_changed']),
    );

    // A stranger's press changes nothing.
    await pressButton('USTRANGER', 'desk_take', number, ts);
    await eventually(() => slack.of('chat.postEphemeral').filter((c) => c.args.user === 'USTRANGER').length >= 2, 5000, 'the refusal');
  });

  it('Snooze 4h and Snooze till tomorrow 09:00 (Europe/Moscow) set pendingUntil', async () => {
    const { number, ts } = await handOff('Sleepy');
    const before = Date.now();
    await pressButton('UALICE', 'desk_snooze_4h', number, ts);
    const four = await eventually(async () => {
      const x = await ticket(number);
      return x.status === 'pending' && x.pendingUntil ? x : undefined;
    }, 5000, 'the 4h snooze');
    expect(four.pendingUntil!.getTime()).toBeGreaterThanOrEqual(before + 4 * 60 * 60_000 - 1000);
    expect(four.pendingUntil!.getTime()).toBeLessThanOrEqual(Date.now() + 4 * 60 * 60_000 + 1000);

    const pressedAt = new Date();
    await pressButton('UALICE', 'desk_snooze_tomorrow', number, ts);
    const expected = tomorrowMorning(pressedAt, 'Europe/Moscow').getTime();
    const morning = await eventually(async () => {
      const x = await ticket(number);
      return x.pendingUntil && x.pendingUntil.getTime() !== four.pendingUntil!.getTime() ? x : undefined;
    }, 5000, 'the tomorrow snooze');
    // (Unless the test runs across Moscow midnight, it is exactly tomorrow's 09:00 MSK.)
    expect([expected, tomorrowMorning(new Date(), 'Europe/Moscow').getTime()]).toContain(morning.pendingUntil!.getTime());
    expect(morning.status).toBe('pending');
    await eventually(() => slack.of('chat.update').some((c) => c.args.ts === ts && JSON.stringify(c.args.blocks).includes(morning.pendingUntil!.toISOString())), 5000, 'the card showing the snooze');
  });

  it('the Priority select and Escalate change the ticket through TicketService and update the card', async () => {
    const { number, ts } = await handOff('Urgent Ursula');
    expect((await pickPriority('UALICE', number, ts, 'high')).status).toBe(200);
    await eventually(async () => (await ticket(number)).priority === 'high', 5000, 'the priority change');
    await eventually(() => slack.of('chat.update').some((c) => c.args.ts === ts && JSON.stringify(c.args.blocks).includes('*Priority*\\nhigh')), 5000, 'the card after the priority change');
    const card = slack.of('chat.update').filter((c) => c.args.ts === ts).at(-1)!;
    const select = (card.args.blocks as Array<{ elements?: Array<{ action_id?: string; initial_option?: { value?: string } }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'desk_priority');
    expect(select?.initial_option?.value).toBe(`${number}:high`);

    // A forged option value changes nothing.
    await pickPriority('UALICE', number, ts, 'critical');
    await new Promise((r) => setTimeout(r, 200));
    expect((await ticket(number)).priority).toBe('high');

    await pressButton('UALICE', 'desk_escalate', number, ts);
    await eventually(async () => {
      const x = await ticket(number);
      return x.line === 2 && x.priority === 'urgent' ? x : undefined;
    }, 5000, 'the escalation');
    await eventually(() => slack.of('chat.update').some((c) => c.args.ts === ts && JSON.stringify(c.args.blocks).includes('*Line*\\n2') && JSON.stringify(c.args.blocks).includes('*Priority*\\nurgent')), 5000, 'the card after escalation');

    await pressButton('UALICE', 'desk_escalate', number, ts);
    await eventually(async () => (await ticket(number)).line === 3, 5000, 'the second escalation');
    await t.gateway.events.idle();
    await pressButton('UALICE', 'desk_escalate', number, ts);
    await eventually(() => slack.of('chat.postEphemeral').some((c) => c.args.user === 'UALICE' && String(c.args.text).includes(`#${number}: already at line 3`)), 5000, 'the note at the top line');
    const after = await ticket(number);
    expect([after.line, after.priority]).toEqual([3, 'urgent']);

    const audit = await t.gateway.db.ticketEvent.findMany({ where: { ticket: { number } }, orderBy: { seq: 'asc' } });
    const byAlice = audit.filter((e) => e.actorKind === 'agent' && e.actorName === 'Alice');
    expect(byAlice.filter((e) => e.type === 'line_changed').map((e) => e.data)).toEqual([{ from: 1, to: 2 }, { from: 2, to: 3 }]);
    expect(byAlice.filter((e) => e.type === 'priority_changed').map((e) => e.data)).toEqual([{ from: 'normal', to: 'high' }, { from: 'high', to: 'urgent' }]);
  });

  it('/desk find lists matching tickets with number, status, customer and subject', async () => {
    const { number } = await handOff('Zebulon Findme');
    const found = ((await (await slash('UALICE', 'find zebulon FINDME')).json()) as { text: string; response_type: string });
    expect(found.response_type).toBe('ephemeral');
    expect(found.text).toMatch(new RegExp(`#${number} · \\w+ · Zebulon Findme · `));
    expect(((await (await slash('UALICE', 'find no-such-customer-xyz')).json()) as { text: string }).text).toMatch(/No tickets match/);
    expect(((await (await slash('UALICE', 'find')).json()) as { text: string }).text).toMatch(/Usage: `\/desk find/);
    expect(((await (await slash('USTRANGER', 'find zebulon')).json()) as { text: string }).text).toMatch(/not an agent/);
  });

  it('/desk next gives two agents pulling at the same instant different tickets; mine and status answer', async () => {
    await handOff('Queue One');
    await handOff('Queue Two');
    const [a, b] = await Promise.all([slash('UALICE', 'next'), slash('UBOB', 'next')]);
    const texts = [((await a.json()) as { text: string }).text, ((await b.json()) as { text: string }).text];
    const taken = texts.map((x) => Number(/#(\d+)/.exec(x)?.[1]));
    expect(taken.every((n) => Number.isInteger(n) && n > 0)).toBe(true);
    expect(taken[0]).not.toBe(taken[1]);
    expect((await ticket(taken[0]!)).assignee?.handle).toBe('alice');
    expect((await ticket(taken[1]!)).assignee?.handle).toBe('bob');

    const mine = ((await (await slash('UALICE', 'mine')).json()) as { text: string }).text;
    expect(mine).toContain(`#${taken[0]}`);
    const status = ((await (await slash('UALICE', 'status')).json()) as { text: string }).text;
    expect(status).toMatch(/Queue: \d+ unassigned · overdue: \d+/);
    expect(((await (await slash('USTRANGER', 'next')).json()) as { text: string }).text).toMatch(/not an agent/);
  });

  it("notes a customer's edit in the thread with the old text quoted, once per edit; nothing for a ticket without a card", async () => {
    const { ts, chatId } = await handOff('Nina');
    const messageId = randomUUID();
    await t.inbound({ chatId, messageId, from: { id: chatId, name: 'Nina' }, text: 'my order 42 is late\nplease check' });
    await eventually(() => slack.of('chat.postMessage').some((c) => c.args.thread_ts === ts && String(c.args.text).includes('my order 42 is late')), 5000, 'the message in the thread');
    const notes = () => slack.of('chat.postMessage').filter((c) => c.args.thread_ts === ts && String(c.args.text).includes('Customer edited a message'));

    const published: Array<Parameters<Parameters<typeof t.gateway.events.on<'message.edited'>>[1]>[0]> = [];
    const off = t.gateway.events.on('message.edited', (e) => void published.push(e));
    try {
      expect(await t.gateway.pipeline.edit({ channel: 'api', chatId, messageId, text: 'my order 43 is late' })).toBe(true);
      const note = await eventually(() => notes()[0], 5000, 'the edit note in the thread');
      expect(note.args.text).toBe(
        ':pencil2: *Клиент изменил сообщение / Customer edited a message* · :bust_in_silhouette: *Nina*\n' +
          '*Теперь / Now:* my order 43 is late\n*Было / Before:*\n>my order 42 is late\n>please check',
      );

      // The same edit again (the platform redelivers it) records nothing; the same event again posts nothing.
      expect(await t.gateway.pipeline.edit({ channel: 'api', chatId, messageId, text: 'my order 43 is late' })).toBe(true);
      expect(published).toHaveLength(1);
      t.gateway.events.publish('message.edited', published[0]!);
      await t.gateway.events.idle();
      await new Promise((r) => setTimeout(r, 300));
      expect(notes()).toHaveLength(1);

      // A further edit is a note of its own, quoting the text before it.
      expect(await t.gateway.pipeline.edit({ channel: 'api', chatId, messageId, text: 'order 43, sorry' })).toBe(true);
      await eventually(() => (notes().length === 2 ? true : undefined), 5000, 'the second edit note');
      expect(notes()[1]!.args.text).toContain('*Теперь / Now:* order 43, sorry\n*Было / Before:*\n>my order 43 is late');

      // A ticket the bot keeps (no card, no thread): its customer's edit is posted nowhere.
      const quiet = `chat-${randomUUID()}`;
      const quietId = randomUUID();
      await t.inbound({ chatId: quiet, messageId: quietId, from: { id: quiet, name: 'Quiet' }, text: 'How do I return an item?' });
      await eventually(() => t.gateway.db.message.findFirst({ where: { platformMessageId: quietId } }).then((r) => r ?? undefined), 5000, 'the quiet message');
      await t.gateway.events.idle();
      expect(await t.gateway.db.deskThread.count({ where: { ticket: { conversation: { externalChatId: quiet } } } })).toBe(0);
      expect(await t.gateway.pipeline.edit({ channel: 'api', chatId: quiet, messageId: quietId, text: 'How do I return a broken item?' })).toBe(true);
      await t.gateway.events.idle();
      await new Promise((r) => setTimeout(r, 300));
      // The edit was announced (the event came), and the desk posted nothing for it.
      expect(published.at(-1)?.text).toBe('How do I return a broken item?');
      expect(slack.of('chat.postMessage').filter((c) => /Customer edited a message/.test(String(c.args.text)) && /broken item/.test(String(c.args.text)))).toEqual([]);
    } finally {
      off();
    }
  });

  it('reports its status in /healthz', async () => {
    const health = (await (await fetch(`${t.baseUrl}/healthz`)).json()) as { desks: Record<string, { state: string }> };
    expect(health.desks.slack).toMatchObject({ state: 'connected' });
  });
});
