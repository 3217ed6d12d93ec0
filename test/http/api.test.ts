/**
 * The HTTP contract, end to end on a real gateway (PostgreSQL, Redis, BullMQ): /healthz, the
 * API channel's signed inbound endpoint and the agent REST API. Every rejection is checked
 * twice: the status and error it answers, and that nothing was stored.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/signature.js';
import { TICKET_SORTS } from '../../src/core/ticketQueries.js';
import { dropDatabase } from '../support/db.js';
import { ADMIN_TOKEN, API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startPrivateRedis } from '../support/redisServer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

interface ErrorJson {
  error: string;
  message: string;
  field?: string;
}

interface MessageJson {
  id: string;
  direction: string;
  internal: boolean;
  author: { kind: string; name: string | null; handle?: string | null };
  text: string;
  sentAt: string;
  createdAt: string;
  delivery: { state: string; attempts: number; error: string | null; deliveredAt: string | null } | null;
}

interface TicketJson {
  number: number;
  status: string;
  priority: string;
  line: number;
  channel: string;
  subject: string | null;
  contact: { id: string; name: string | null; email: string | null; phone: string | null; language: string | null };
  category: string | null;
  tags: string[];
  assignee: { handle: string; name: string } | null;
  team: string | null;
  pendingUntil: string | null;
  createdAt: string;
  updatedAt: string;
  openedAt: string;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  firstRespondedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  csat: { score: number; comment: string | null } | null;
  messages: MessageJson[];
  events: Array<{ type: string; actor: { kind: string; name: string | null }; data: unknown; at: string }>;
}

interface ListJson {
  tickets: TicketJson[];
  total: number;
}

/** The fields of a ticket integrators rely on (README: "keep field names stable"). */
const CONTRACT_FIELDS = [
  'number',
  'status',
  'priority',
  'channel',
  'contact',
  'category',
  'tags',
  'assignee',
  'team',
  'createdAt',
  'firstResponseDueAt',
  'resolutionDueAt',
  'firstRespondedAt',
  'resolvedAt',
  'csat',
] as const;

const FUTURE = '2030-01-15T09:00:00.000Z';

let t: TestGateway;
let hook: WebhookReceiver;

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  // The KB bot (where present) would answer customers too: this file is about the HTTP contract.
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, BOT_ENABLED: 'false' });
});

afterAll(async () => {
  await t?.stop();
  await hook?.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers

async function json<T>(res: Response): Promise<T> {
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  return (await res.json()) as T;
}

/** Expects a JSON error answer; `field` (when given) must be named by `field` and the message. */
async function expectError(res: Response, status: number, error?: string, field?: string): Promise<ErrorJson> {
  const text = await res.clone().text();
  expect(res.status, text).toBe(status);
  const body = await json<ErrorJson>(res);
  expect(typeof body.message).toBe('string');
  if (error) expect(body.error).toBe(error);
  if (field) {
    expect(body.field, text).toBe(field);
    expect(body.message).toContain(field.split('.')[0]);
  }
  return body;
}

function inboundBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  const chatId = randomUUID();
  return { chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Olga' }, text: 'Where is my order?', ...over };
}

function postInbound(raw: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.baseUrl}/api/v1/inbound`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
}

/** POSTs `raw` to the inbound endpoint with a correct signature over exactly these bytes. */
function signedInbound(raw: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Response> {
  return postInbound(raw, { 'x-signature': sign(API_SECRET, Buffer.from(raw)), ...headers });
}

/** Calls the agent API with a raw body (the `t.api` helper always sends valid JSON). */
function rawApi(method: string, path: string, raw: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.baseUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...headers },
    body: raw,
  });
}

/** Nothing of this inbound message reached PostgreSQL: no message, no conversation. */
async function expectNothingStored(body: Record<string, unknown>): Promise<void> {
  const db = t.gateway.db;
  if (typeof body.messageId === 'string') expect(await db.message.count({ where: { platformMessageId: body.messageId } })).toBe(0);
  if (typeof body.chatId === 'string') expect(await db.conversation.count({ where: { externalChatId: body.chatId } })).toBe(0);
}

async function newTicket(over: Record<string, unknown> = {}): Promise<{ number: number; chatId: string; messageId: string }> {
  const body = inboundBody(over);
  const res = await t.inbound(body);
  expect(res.status).toBe(202);
  const { ticketNumber } = await json<{ ticketNumber: number }>(res);
  return { number: ticketNumber, chatId: body.chatId as string, messageId: body.messageId as string };
}

async function getTicket(number: number): Promise<TicketJson> {
  const res = await t.api('GET', `/tickets/${number}`);
  expect(res.status).toBe(200);
  return json<TicketJson>(res);
}

async function patch(number: number, body: Record<string, unknown>): Promise<TicketJson> {
  const res = await t.api('PATCH', `/tickets/${number}`, body);
  expect(res.status, await res.clone().text()).toBe(200);
  return json<TicketJson>(res);
}

async function reply(number: number, body: Record<string, unknown>): Promise<string> {
  const res = await t.api('POST', `/tickets/${number}/messages`, body);
  expect(res.status, await res.clone().text()).toBe(201);
  const { messageId } = await json<{ messageId: string }>(res);
  expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
  return messageId;
}

async function createAgent(handle: string, name: string, email?: string): Promise<void> {
  const res = await t.api('POST', '/agents', { handle, name, ...(email ? { email } : {}) });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** What a rejected change must leave exactly as it was. */
async function snapshot(number: number) {
  const { status, priority, tags, category, assignee, team, pendingUntil, updatedAt, messages, events } = await getTicket(number);
  return { status, priority, tags, category, assignee, team, pendingUntil, updatedAt, messages: messages.length, events: events.length };
}

function isNullOrIsoDate(value: unknown): boolean {
  return value === null || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
}

// ---------------------------------------------------------------------------------------------

describe('GET /healthz', () => {
  it('answers 200 {status: "ok"} when PostgreSQL and Redis answer, without a token', async () => {
    // Each probe may take up to 2 s on a loaded machine: allow a retry before calling it a failure.
    const res = await eventually(async () => {
      const r = await fetch(`${t.baseUrl}/healthz`);
      return r.status === 200 ? r : undefined;
    }, 8000, 'healthz 200');
    const body = await json<{ status: string; database: string; redis: string; channels: Record<string, unknown> }>(res);
    expect(body).toMatchObject({ status: 'ok', database: 'ok', redis: 'ok' });
    expect(body.channels).toMatchObject({ api: { state: 'connected', detail: expect.stringContaining('POSTed to API_CHANNEL_WEBHOOK_URL') } });
  });

  it('answers 503 naming Redis once Redis stops, and the gateway still stops promptly', async () => {
    const redis = await startPrivateRedis();
    let redisRunning = true;
    const second = await startTestGateway({ BOT_ENABLED: 'false' }, { redisUrl: redis.url });
    let stopped = false;
    try {
      await eventually(async () => (await fetch(`${second.baseUrl}/healthz`)).status === 200, 10_000, 'healthz 200 before the outage');
      await redis.stop();
      redisRunning = false;
      // The Redis probe gives up after 2 s; allow a few rounds on a busy machine.
      const down = await eventually(
        async () => {
          const res = await fetch(`${second.baseUrl}/healthz`);
          return res.status === 503 ? json<{ status: string; database: string; redis: string }>(res) : undefined;
        },
        15_000,
        'healthz 503',
      );
      expect(down.status).toBe('unavailable');
      expect(down.database).toBe('ok');
      expect(down.redis).toMatch(/^error/);

      // With Redis gone the worker can never close cleanly: stop() must give up waiting, not hang.
      const started = Date.now();
      await second.gateway.stop(1000);
      stopped = true;
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      if (!stopped) await second.gateway.stop(1000).catch(() => undefined);
      if (redisRunning) await redis.stop();
      await dropDatabase(second.databaseUrl);
    }
  }, 60_000);
});

describe('POST /api/v1/inbound', () => {
  it('accepts a signed message with 202 {ticketNumber} and stores it in a new ticket', async () => {
    const body = inboundBody({ text: 'My card was charged twice' });
    const res = await t.inbound(body);
    expect(res.status).toBe(202);
    const result = await json<{ ticketNumber: number; messageId: string; duplicate: boolean }>(res);
    expect(Number.isInteger(result.ticketNumber)).toBe(true);
    expect(result.ticketNumber).toBeGreaterThanOrEqual(1001);
    expect(result.duplicate).toBe(false);

    const stored = await t.gateway.db.message.findMany({ where: { platformMessageId: body.messageId as string }, include: { ticket: true } });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toBe(result.messageId);
    expect(stored[0]!.text).toBe('My card was charged twice');
    expect(stored[0]!.ticket?.number).toBe(result.ticketNumber);

    const ticket = await getTicket(result.ticketNumber);
    expect(ticket.channel).toBe('api');
    expect(ticket.messages.map((m) => m.text)).toEqual(['My card was charged twice']);
  });

  it('stores a message delivered twice once, and says the second was a duplicate', async () => {
    const body = inboundBody({ text: 'sent twice' });
    const first = await json<{ ticketNumber: number; messageId: string; duplicate: boolean }>(await t.inbound(body));
    const res = await t.inbound(body);
    expect(res.status).toBe(202);
    const second = await json<{ ticketNumber: number; messageId: string; duplicate: boolean }>(res);
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ ticketNumber: first.ticketNumber, messageId: first.messageId, duplicate: true });
    expect(await t.gateway.db.message.count({ where: { platformMessageId: body.messageId as string } })).toBe(1);
    expect((await getTicket(first.ticketNumber)).messages).toHaveLength(1);
  });

  describe('refuses an unsigned or wrongly signed request with 401, storing nothing', () => {
    it('no X-Signature', async () => {
      const body = inboundBody();
      await expectError(await postInbound(JSON.stringify(body)), 401, 'bad_signature');
      await expectNothingStored(body);
    });

    it('a signature made with another secret', async () => {
      const body = inboundBody();
      const raw = JSON.stringify(body);
      await expectError(await postInbound(raw, { 'x-signature': sign('not-the-secret', raw) }), 401, 'bad_signature');
      await expectNothingStored(body);
    });

    it('a valid signature over a different body', async () => {
      const body = inboundBody({ text: 'refund me 10 000' });
      const signedText = JSON.stringify({ ...body, text: 'refund me 10' });
      await expectError(await postInbound(JSON.stringify(body), { 'x-signature': sign(API_SECRET, signedText) }), 401, 'bad_signature');
      await expectNothingStored(body);
    });

    it('a malformed signature header', async () => {
      const body = inboundBody();
      const raw = JSON.stringify(body);
      const hex = sign(API_SECRET, raw).slice('sha256='.length);
      for (const header of [hex, 'sha256=', `sha1=${hex}`, `sha256=${hex.toUpperCase()}`, 'garbage']) {
        await expectError(await postInbound(raw, { 'x-signature': header }), 401, 'bad_signature');
      }
      await expectNothingStored(body);
    });
  });

  it('refuses malformed JSON with 400 invalid_json, storing nothing', async () => {
    const chatId = randomUUID();
    const messageId = randomUUID();
    const raw = `{"chatId": "${chatId}", "messageId": "${messageId}", "from": {"id": "x"}, "text": "hi"`;
    await expectError(await signedInbound(raw), 400, 'invalid_json');
    await expectError(await signedInbound(''), 400, 'invalid_json');
    await expectNothingStored({ chatId, messageId });
  });

  it.each<[string, (b: Record<string, unknown>) => Record<string, unknown>, string]>([
    ['no chatId', ({ chatId: _c, ...rest }) => rest, 'chatId'],
    ['an empty chatId', (b) => ({ ...b, chatId: '' }), 'chatId'],
    ['no messageId', ({ messageId: _m, ...rest }) => rest, 'messageId'],
    ['no from', ({ from: _f, ...rest }) => rest, 'from'],
    ['no from.id', (b) => ({ ...b, from: { name: 'Olga' } }), 'from.id'],
    ['a bad from.email', (b) => ({ ...b, from: { id: 'x', email: 'not-an-email' } }), 'from.email'],
    ['no text', ({ text: _t, ...rest }) => rest, 'text'],
    ['text that is not a string', (b) => ({ ...b, text: 42 }), 'text'],
    ['text over 20 000 characters', (b) => ({ ...b, text: 'x'.repeat(20_001) }), 'text'],
    ['text with a NUL character', (b) => ({ ...b, text: 'a\u0000b' }), 'text'],
    ['a chatId with a NUL character', (b) => ({ ...b, chatId: `${b.chatId as string}\u0000` }), 'chatId'],
    ['an invalid sentAt', (b) => ({ ...b, sentAt: 'yesterday' }), 'sentAt'],
    ['a sentAt with no time zone', (b) => ({ ...b, sentAt: '2026-11-20T12:00:00' }), 'sentAt'],
  ])('refuses a message with %s: 400 naming the field, nothing stored', async (_label, change, field) => {
    const base = inboundBody();
    const body = change(base);
    await expectError(await t.inbound(body), 400, 'invalid_request', field);
    await expectNothingStored(base);
  });

  it('refuses a JSON body that is not an object with 400', async () => {
    for (const raw of ['null', '[]', '"text"', '42']) await expectError(await signedInbound(raw), 400, 'invalid_request');
  });

  it('refuses a body over 1 MB with 413, storing nothing', async () => {
    const body = inboundBody({ text: 'x'.repeat(1_100_000) });
    await expectError(await t.inbound(body), 413, 'payload_too_large');
    await expectNothingStored(body);
  });

  it('refuses a body in an unknown content encoding with 415, not a 500', async () => {
    const body = inboundBody();
    await expectError(await signedInbound(JSON.stringify(body), { 'content-encoding': 'klingon' }), 415, 'unsupported_media_type');
    await expectNothingStored(body);
  });

  it('takes sentAt as the time the ticket was opened', async () => {
    const sentAt = '2026-11-20T12:00:00.000Z';
    const { number } = await newTicket({ sentAt: '2026-11-20T15:00:00+03:00' });
    const ticket = await getTicket(number);
    expect(ticket.openedAt).toBe(sentAt);
    expect(ticket.messages[0]!.sentAt).toBe(sentAt);
  });
});

describe('agent API authentication', () => {
  it.each<[string, Record<string, string>]>([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['the token with a suffix', { authorization: `Bearer ${ADMIN_TOKEN}x` }],
    ['a prefix of the token', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
    ['the token with another scheme', { authorization: `Basic ${ADMIN_TOKEN}` }],
    ['the token with no scheme', { authorization: ADMIN_TOKEN }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('answers 401 to %s', async (_label, headers) => {
    for (const path of ['/tickets', '/tickets/1001', '/agents', '/channels']) {
      await expectError(await fetch(`${t.baseUrl}/api/v1${path}`, { headers }), 401, 'unauthorized');
    }
  });

  it('takes the scheme in any letter case', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/tickets`, { headers: { authorization: `bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it('changes nothing when a write comes with a wrong token', async () => {
    const { number } = await newTicket();
    const before = await snapshot(number);
    const headers = { authorization: 'Bearer wrong', 'content-type': 'application/json' };
    const url = `${t.baseUrl}/api/v1`;
    await expectError(await fetch(`${url}/tickets/${number}`, { method: 'PATCH', headers, body: JSON.stringify({ priority: 'urgent', tags: ['x'] }) }), 401);
    await expectError(await fetch(`${url}/tickets/${number}/messages`, { method: 'POST', headers, body: JSON.stringify({ text: 'hi' }) }), 401);
    await expectError(await fetch(`${url}/agents`, { method: 'POST', headers, body: JSON.stringify({ handle: 'intruder', name: 'Intruder' }) }), 401);
    expect(await snapshot(number)).toEqual(before);
    expect(await t.gateway.db.agent.count({ where: { handle: 'intruder' } })).toBe(0);
  });
});

describe('GET /api/v1/tickets/:number', () => {
  it('answers 404 for a ticket that does not exist', async () => {
    await expectError(await t.api('GET', '/tickets/999999'), 404, 'not_found');
  });

  it.each(['abc', '0', '-5', '12abc', '1.5', '99999999999', '2147483648'])('answers 400 naming the number for /tickets/%s', async (number) => {
    const body = await expectError(await t.api('GET', `/tickets/${number}`), 400, 'invalid_request', 'number');
    expect(body.message).toContain(number);
  });

  it('returns the ticket with every contract field and its messages', async () => {
    const sentAt = '2026-11-20T12:00:00.000Z';
    const { number } = await newTicket({
      text: 'My parcel is late',
      topic: 'delivery',
      sentAt,
      from: { id: `c-${randomUUID()}`, name: 'Olga Petrova', email: 'olga.petrova@example.com', language: 'ru' },
    });
    const ticket = await getTicket(number);
    for (const field of CONTRACT_FIELDS) expect(ticket).toHaveProperty(field);
    expect(ticket).toMatchObject({
      number,
      status: 'new',
      priority: 'normal',
      channel: 'api',
      subject: 'My parcel is late',
      category: 'delivery',
      tags: [],
      assignee: null,
      team: null,
      openedAt: sentAt,
      firstRespondedAt: null,
      resolvedAt: null,
      closedAt: null,
      pendingUntil: null,
      csat: null,
    });
    expect(ticket.contact).toMatchObject({ name: 'Olga Petrova', email: 'olga.petrova@example.com', language: 'ru' });
    expect(Number.isNaN(Date.parse(ticket.createdAt))).toBe(false);
    expect(isNullOrIsoDate(ticket.firstResponseDueAt)).toBe(true);
    expect(isNullOrIsoDate(ticket.resolutionDueAt)).toBe(true);
    expect(ticket.messages).toHaveLength(1);
    expect(ticket.messages[0]).toMatchObject({
      direction: 'inbound',
      internal: false,
      author: { kind: 'customer', name: 'Olga Petrova' },
      text: 'My parcel is late',
      sentAt,
      delivery: null,
    });
    expect(ticket.events.map((e) => e.type)).toContain('created');
  });
});

describe('GET /api/v1/tickets: filters, sorting and paging', () => {
  const run = randomBytes(4).toString('hex');
  const tag = `fx-${run}`;
  const word = `kumquat${run}`;
  const contactName = `Zoya ${run}`;
  const handle = `fx-agent-${run}`;
  let a: number, b: number, c: number, d: number;

  beforeAll(async () => {
    await createAgent(handle, 'Fixture Agent');
    a = (await newTicket({ text: 'The printer is on fire' })).number;
    b = (await newTicket({ text: `Refund for the ${word}` })).number;
    c = (await newTicket({ text: 'The app is 100% broken' })).number;
    d = (await newTicket({ text: 'hello', from: { id: `z-${run}`, name: contactName } })).number;
    await patch(a, { status: 'open', priority: 'urgent', tags: [tag, `${tag}-vip`], category: 'payment/refunds', assignee: handle });
    await patch(b, { status: 'pending', pendingUntil: FUTURE, priority: 'low', tags: [tag], category: 'payment' });
    await patch(c, { status: 'resolved', priority: 'high', tags: [tag] });
    // A look-alike the configuration does not declare (the API refuses it): one kept from an older configuration.
    await t.gateway.db.ticket.update({ where: { number: c }, data: { category: 'paymentx' } });
    await patch(d, { tags: [tag] });
    // b changes last: it leads by updatedAt.
    await patch(b, { tags: [tag, `${tag}-touched`] });
  });

  async function list(query: string): Promise<ListJson> {
    const res = await t.api('GET', `/tickets?${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return json<ListJson>(res);
  }
  const numbers = async (query: string) => (await list(query)).tickets.map((x) => x.number);
  const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);

  it('lists tickets with the contract fields and no messages, and a total', async () => {
    const result = await list(`tag=${tag}`);
    expect(result.total).toBe(4);
    expect(sorted(result.tickets.map((x) => x.number))).toEqual([a, b, c, d]);
    for (const ticket of result.tickets) {
      for (const field of CONTRACT_FIELDS) expect(ticket).toHaveProperty(field);
      expect(ticket).not.toHaveProperty('messages');
    }
    expect(result.tickets.find((x) => x.number === a)).toMatchObject({ status: 'open', priority: 'urgent', assignee: { handle, name: 'Fixture Agent' }, category: 'payment/refunds' });
  });

  it('filters by status (one or several)', async () => {
    expect(await numbers(`tag=${tag}&status=pending`)).toEqual([b]);
    expect(sorted(await numbers(`tag=${tag}&status=open,resolved`))).toEqual([a, c]);
    expect(await numbers(`tag=${tag}&status=new`)).toEqual([d]);
    expect(await numbers(`tag=${tag}&status=closed`)).toEqual([]);
  });

  it('filters by priority', async () => {
    expect(sorted(await numbers(`tag=${tag}&priority=urgent,high`))).toEqual([a, c]);
    expect(await numbers(`tag=${tag}&priority=low`)).toEqual([b]);
  });

  it('filters by channel', async () => {
    expect(sorted(await numbers(`tag=${tag}&channel=api`))).toEqual([a, b, c, d]);
    expect(await numbers(`tag=${tag}&channel=widget,telegram`)).toEqual([]);
  });

  it('filters by tag, whatever its case', async () => {
    expect(await numbers(`tag=${tag}-vip`)).toEqual([a]);
    expect(await numbers(`tag=${tag.toUpperCase()}-VIP`)).toEqual([a]);
    expect(await numbers(`tag=${tag}-nothing`)).toEqual([]);
  });

  it('keeps one tag for "VIP", "vip " and "Vip": trimmed, lower-case, sorted', async () => {
    const e = (await newTicket({ text: 'tag spelling' })).number;
    await patch(e, { tags: [`${tag}-VIP`, ` ${tag}-vip `, `${tag}-Vip`, 'Срочно', 'срочно', '  '] });
    expect((await getTicket(e)).tags).toEqual([`${tag}-vip`, 'срочно']);
  });

  it('filters by category, including its subcategories but not look-alikes', async () => {
    expect(sorted(await numbers(`tag=${tag}&category=payment`))).toEqual([a, b]);
    expect(await numbers(`tag=${tag}&category=payment/refunds`)).toEqual([a]);
    expect(await numbers(`tag=${tag}&category=paymentx`)).toEqual([c]);
    expect(await numbers(`tag=${tag}&category=pay`)).toEqual([]);
  });

  it('filters by assignee handle (with or without @), and "none" for unassigned', async () => {
    expect(await numbers(`assignee=${handle}`)).toEqual([a]);
    expect(await numbers(`assignee=${encodeURIComponent(`@${handle}`)}`)).toEqual([a]);
    expect(sorted(await numbers(`tag=${tag}&assignee=none`))).toEqual([b, c, d]);
    expect(await numbers(`tag=${tag}&assignee=nobody-${run}`)).toEqual([]);
  });

  it('searches the subject and the contact with q, ignoring case', async () => {
    expect(await numbers(`q=${word}`)).toEqual([b]);
    expect(await numbers(`q=${word.toUpperCase()}`)).toEqual([b]);
    expect(await numbers(`q=${encodeURIComponent(contactName.toLowerCase())}`)).toEqual([d]);
    expect(await numbers(`tag=${tag}&q=printer`)).toEqual([a]);
    expect(await numbers(`q=nothing-matches-${run}`)).toEqual([]);
  });

  it('takes % and _ in q literally, not as wildcards', async () => {
    expect(await numbers(`tag=${tag}&q=${encodeURIComponent('100%')}`)).toEqual([c]);
    expect(await numbers(`tag=${tag}&q=${encodeURIComponent('%')}`)).toEqual([c]);
    expect(await numbers(`tag=${tag}&q=_`)).toEqual([]);
    expect(await numbers(`tag=${tag}&q=${encodeURIComponent('The_app')}`)).toEqual([]);
  });

  it('sorts newest first by default, and by every documented sort', async () => {
    expect(await numbers(`tag=${tag}`)).toEqual([d, c, b, a]);
    expect(await numbers(`tag=${tag}&sort=number`)).toEqual([a, b, c, d]);
    expect(await numbers(`tag=${tag}&sort=-number`)).toEqual([d, c, b, a]);
    expect(await numbers(`tag=${tag}&sort=createdAt`)).toEqual([a, b, c, d]);
    expect(await numbers(`tag=${tag}&sort=-createdAt`)).toEqual([d, c, b, a]);
    expect(await numbers(`tag=${tag}&sort=-priority`)).toEqual([a, c, d, b]);
    expect(await numbers(`tag=${tag}&sort=priority`)).toEqual([b, d, c, a]);
    expect((await numbers(`tag=${tag}&sort=-updatedAt`))[0]).toBe(b);
    expect((await numbers(`tag=${tag}&sort=updatedAt`))[3]).toBe(b);
    for (const sort of TICKET_SORTS) expect(await numbers(`tag=${tag}&sort=${sort}`)).toHaveLength(4);
  });

  it('pages with limit and offset, the total counting every match', async () => {
    const page = (q: string) => list(`tag=${tag}&sort=number&${q}`);
    expect(await page('limit=2')).toMatchObject({ total: 4, tickets: [{ number: a }, { number: b }] });
    expect(await page('limit=2&offset=2')).toMatchObject({ total: 4, tickets: [{ number: c }, { number: d }] });
    expect(await page('limit=1&offset=3')).toMatchObject({ total: 4, tickets: [{ number: d }] });
    expect(await page('offset=4')).toEqual({ total: 4, tickets: [] });
  });

  it.each([
    ['status=bogus', 'status'],
    ['status=open,bogus', 'status'],
    ['status=open&status=new', 'status'],
    ['priority=extreme', 'priority'],
    ['channel=fax', 'channel'],
    ['sort=name', 'sort'],
    ['sort=-bogus', 'sort'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['offset=-1', 'offset'],
    ['q=%00', 'q'],
  ])('refuses ?%s with 400 naming the parameter', async (query, param) => {
    const res = await t.api('GET', `/tickets?${query}`);
    const body = await expectError(res, 400, 'invalid_request');
    expect(body.field?.split('.')[0]).toBe(param);
    expect(body.message).toContain(param);
  });
});

describe('POST /api/v1/tickets/:number/messages', () => {
  beforeAll(async () => {
    await createAgent('ivan', 'Иван', 'ivan@example.com');
  });

  it('sends an agent reply to the webhook, and sets firstRespondedAt', async () => {
    const { number, chatId } = await newTicket();
    const before = await getTicket(number);
    expect(before.firstRespondedAt).toBeNull();

    const id = await reply(number, { text: 'Hello! Checking your order now.' });
    const got = await eventually(() => hook.received.find((r) => r.body.messageId === id), 8000, 'webhook delivery');
    expect(got.signatureValid).toBe(true);
    expect(got.body).toMatchObject({ chatId, ticketNumber: number, text: 'Hello! Checking your order now.', author: { kind: 'agent' } });

    const after = await getTicket(number);
    expect(after.status).toBe('open');
    expect(after.firstRespondedAt).not.toBeNull();
    expect(Date.parse(after.firstRespondedAt!)).toBeGreaterThanOrEqual(Date.parse(before.createdAt));
    expect(after.messages.find((m) => m.id === id)).toMatchObject({
      direction: 'outbound',
      internal: false,
      author: { kind: 'agent' },
      text: 'Hello! Checking your order now.',
    });
    await eventually(async () => (await getTicket(number)).messages.find((m) => m.id === id)?.delivery?.state === 'sent', 5000, 'delivery state sent');

    // A second reply keeps the first response time.
    await reply(number, { text: 'Found it.' });
    expect((await getTicket(number)).firstRespondedAt).toBe(after.firstRespondedAt);
  });

  it('signs a reply with the named agent and assigns the ticket to them', async () => {
    const { number } = await newTicket();
    const id = await reply(number, { text: 'Иван here', agent: '@ivan' });
    const ticket = await getTicket(number);
    expect(ticket.assignee).toEqual({ handle: 'ivan', name: 'Иван' });
    expect(ticket.messages.find((m) => m.id === id)?.author).toEqual({ kind: 'agent', name: 'Иван', handle: 'ivan' });
    const got = await eventually(() => hook.received.find((r) => r.body.messageId === id), 8000, 'webhook delivery');
    expect(got.body.author).toMatchObject({ name: 'Иван' });
  });

  it('stores an internal note that is never delivered and is not a first response', async () => {
    const { number } = await newTicket();
    const noteId = await reply(number, { text: 'customer sounds upset', internal: true });

    const ticket = await getTicket(number);
    expect(ticket.firstRespondedAt).toBeNull();
    expect(ticket.status).toBe('new');
    expect(ticket.messages.find((m) => m.id === noteId)).toMatchObject({ internal: true, author: { kind: 'note' }, delivery: null, text: 'customer sounds upset' });
    expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: noteId } })).deliveryState).toBeNull();

    // A reply written after the note arrives; had the note been queued, it would have gone first.
    const replyId = await reply(number, { text: 'public answer' });
    await eventually(() => hook.received.find((r) => r.body.messageId === replyId), 8000, 'reply delivery');
    expect(hook.received.filter((r) => r.body.messageId === noteId || r.body.text === 'customer sounds upset')).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['empty text', { text: '' }, 'text'],
    ['blank text', { text: '   \n ' }, 'text'],
    ['no text', {}, 'text'],
    ['text that is not a string', { text: 42 }, 'text'],
    ['text over 20 000 characters', { text: 'x'.repeat(20_001) }, 'text'],
    ['text with a NUL character', { text: 'a\u0000b' }, 'text'],
    ['internal that is not a boolean', { text: 'hi', internal: 'yes' }, 'internal'],
    ['an unknown agent', { text: 'hi', agent: 'ghost' }, 'agent'],
  ])('refuses a reply with %s: 400 naming the field, nothing stored or sent', async (_label, body, field) => {
    const { number } = await newTicket();
    const before = await snapshot(number);
    const received = hook.received.length;
    await expectError(await t.api('POST', `/tickets/${number}/messages`, body), 400, 'invalid_request', field);
    expect(await snapshot(number)).toEqual(before);
    expect(await t.gateway.db.message.count({ where: { ticket: { number }, direction: 'outbound' } })).toBe(0);
    expect(hook.received.length).toBe(received);
  });

  it('answers 404 for a reply to a ticket that does not exist, storing nothing', async () => {
    const outbound = await t.gateway.db.message.count({ where: { direction: 'outbound' } });
    await expectError(await t.api('POST', '/tickets/999999/messages', { text: 'hello?' }), 404, 'not_found');
    await expectError(await t.api('POST', '/tickets/abc/messages', { text: 'hello?' }), 400, 'invalid_request', 'number');
    expect(await t.gateway.db.message.count({ where: { direction: 'outbound' } })).toBe(outbound);
  });

  it('refuses malformed JSON with 400 invalid_json', async () => {
    const { number } = await newTicket();
    await expectError(await rawApi('POST', `/tickets/${number}/messages`, '{"text": "hi"'), 400, 'invalid_json');
    expect(await t.gateway.db.message.count({ where: { ticket: { number }, direction: 'outbound' } })).toBe(0);
  });
});

describe('PATCH /api/v1/tickets/:number', () => {
  beforeAll(async () => {
    await createAgent('olga', 'Olga', 'olga@example.com');
  });

  it('changes status, priority, tags, category and assignee, and GET shows the change', async () => {
    const { number } = await newTicket();
    const res = await t.api('PATCH', `/tickets/${number}`, {
      status: 'open',
      priority: 'high',
      tags: ['vip', ' billing ', 'vip', ''],
      category: 'payment/card',
      assignee: 'olga@example.com',
    });
    expect(res.status).toBe(200);
    const expected = { number, status: 'open', priority: 'high', tags: ['billing', 'vip'], category: 'payment/card', assignee: { handle: 'olga', name: 'Olga' } };
    const answered = await json<TicketJson>(res);
    expect(answered).toMatchObject(expected);
    expect(answered).not.toHaveProperty('messages');
    const ticket = await getTicket(number);
    expect(ticket).toMatchObject(expected);
    expect(ticket.events.map((e) => e.type)).toEqual(expect.arrayContaining(['status_changed', 'priority_changed', 'tags_changed', 'category_changed', 'assigneeId_changed']));
  });

  it('moves a ticket to another support line (1 to 3), and refuses other lines naming the field', async () => {
    const { number } = await newTicket();
    expect((await patch(number, { line: 2 })).line).toBe(2);
    expect((await getTicket(number)).line).toBe(2);
    for (const line of [0, 4, 1.5, '2']) {
      const res = await t.api('PATCH', `/tickets/${number}`, { line });
      expect(res.status).toBe(400);
      expect((await json<{ field?: string }>(res)).field).toBe('line');
    }
    expect((await getTicket(number)).line).toBe(2);
  });

  it('unassigns and clears the category with null', async () => {
    const { number } = await newTicket();
    await patch(number, { assignee: '@olga', category: 'returns' });
    expect(await patch(number, { assignee: null, category: null })).toMatchObject({ assignee: null, category: null });
    expect(await getTicket(number)).toMatchObject({ assignee: null, category: null });
  });

  it('refuses a category the desk configuration does not declare, naming it; a path under a declared one is taken', async () => {
    const { number } = await newTicket();
    const { priority } = await patch(number, { category: 'returns' });
    for (const category of ['nonexistent/cat', 'returnsx', '']) {
      const err = await expectError(await t.api('PATCH', `/tickets/${number}`, { category, priority: 'high' }), 400, 'invalid_request', 'category');
      expect(err.message).toContain(`unknown category "${category}"`);
      expect(err.message).toContain('returns');
    }
    // Nothing of the refused patch is stored.
    expect(await getTicket(number)).toMatchObject({ category: 'returns', priority });
    expect(await patch(number, { category: 'returns/damaged' })).toMatchObject({ category: 'returns/damaged' });
    expect(await patch(number, { category: null })).toMatchObject({ category: null });
  });

  it('sets a ticket pending until a time, and back to open clears it', async () => {
    const { number } = await newTicket();
    expect(await patch(number, { status: 'pending', pendingUntil: FUTURE })).toMatchObject({ status: 'pending', pendingUntil: FUTURE });
    expect(await getTicket(number)).toMatchObject({ status: 'pending', pendingUntil: FUTURE });
    expect(await patch(number, { status: 'pending', pendingUntil: '2030-02-01' })).toMatchObject({ pendingUntil: '2030-02-01T00:00:00.000Z' });
    expect(await patch(number, { status: 'open' })).toMatchObject({ status: 'open', pendingUntil: null });
  });

  it('stamps resolvedAt and closedAt, and reopening clears them', async () => {
    const { number } = await newTicket();
    const resolved = await patch(number, { status: 'resolved' });
    expect(resolved.status).toBe('resolved');
    expect(resolved.resolvedAt).not.toBeNull();
    expect(resolved.closedAt).toBeNull();
    const reopened = await patch(number, { status: 'open' });
    expect(reopened).toMatchObject({ status: 'open', resolvedAt: null });
    const closed = await patch(number, { status: 'closed' });
    expect(closed.closedAt).not.toBeNull();
    expect(closed.resolvedAt).not.toBeNull();
    expect((await getTicket(number)).status).toBe('closed');
  });

  it('refuses an unknown field with 400 naming it, changing nothing', async () => {
    const { number } = await newTicket();
    const before = await snapshot(number);
    const body = await expectError(await t.api('PATCH', `/tickets/${number}`, { priority: 'urgent', colour: 'red' }), 400, 'invalid_request');
    expect(body.message).toContain('colour');
    expect(await snapshot(number)).toEqual(before);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an invalid status', { status: 'bogus' }, 'status'],
    ['status "new"', { status: 'new' }, 'status'],
    ['a status that is not a string', { status: 3 }, 'status'],
    ['an invalid priority', { priority: 'extreme', status: 'open' }, 'priority'],
    ['an invalid pendingUntil', { status: 'pending', pendingUntil: 'tomorrow' }, 'pendingUntil'],
    ['a boolean pendingUntil', { status: 'pending', pendingUntil: true }, 'pendingUntil'],
    ['a numeric pendingUntil', { status: 'pending', pendingUntil: 12 }, 'pendingUntil'],
    ['pendingUntil without status pending', { status: 'open', pendingUntil: FUTURE }, 'pendingUntil'],
    ['tags that are not a list', { tags: 'vip' }, 'tags'],
    ['a tag over 64 characters', { tags: ['ok', 'x'.repeat(65)] }, 'tags.1'],
    ['a tag with a NUL character', { tags: ['a\u0000'] }, 'tags.0'],
    ['a category that is not a string', { category: 5 }, 'category'],
    ['an unknown assignee', { assignee: 'nobody', priority: 'urgent' }, 'assignee'],
    ['an unknown team', { team: 'no-such-team', priority: 'urgent' }, 'team'],
    ['a botActive that is not a boolean', { botActive: 'yes' }, 'botActive'],
    ['an unknown actor', { actor: 'ghost', priority: 'urgent' }, 'actor'],
  ])('refuses %s: 400 naming the field, changing nothing', async (_label, body, field) => {
    const { number } = await newTicket();
    const before = await snapshot(number);
    await expectError(await t.api('PATCH', `/tickets/${number}`, body), 400, 'invalid_request', field);
    expect(await snapshot(number)).toEqual(before);
  });

  it('answers 404 for a ticket that does not exist, and 400 for a bad number', async () => {
    await expectError(await t.api('PATCH', '/tickets/999999', { priority: 'high' }), 404, 'not_found');
    await expectError(await t.api('PATCH', '/tickets/abc', { priority: 'high' }), 400, 'invalid_request', 'number');
  });

  it('refuses malformed JSON with 400 and a body over 1 MB with 413, changing nothing', async () => {
    const { number } = await newTicket();
    const before = await snapshot(number);
    await expectError(await rawApi('PATCH', `/tickets/${number}`, '{"priority": "high",}'), 400, 'invalid_json');
    await expectError(await t.api('PATCH', `/tickets/${number}`, { priority: 'high', category: 'x'.repeat(1_100_000) }), 413, 'payload_too_large');
    await expectError(await rawApi('PATCH', `/tickets/${number}`, '{"priority": "high"}', { 'content-type': 'application/json; charset=klingon' }), 415);
    expect(await snapshot(number)).toEqual(before);
  });
});

describe('agents', () => {
  it('creates an agent, lists it, and refuses a second agent with the same email (409), storing nothing', async () => {
    const res = await t.api('POST', '/agents', { handle: 'anna', name: 'Anna', email: 'anna@example.com' });
    expect(res.status).toBe(201);
    expect(await json<{ handle: string; name: string; email: string }>(res)).toMatchObject({ handle: 'anna', name: 'Anna', email: 'anna@example.com' });
    const { agents } = await json<{ agents: Array<{ handle: string }> }>(await t.api('GET', '/agents'));
    expect(agents.map((x) => x.handle)).toContain('anna');

    await expectError(await t.api('POST', '/agents', { handle: 'anna2', name: 'Anna Two', email: 'anna@example.com' }), 409, 'conflict', 'email');
    expect(await t.gateway.db.agent.count({ where: { handle: 'anna2' } })).toBe(0);
  });

  it.each<[Record<string, unknown>, string]>([
    [{ handle: 'a b', name: 'Space' }, 'handle'],
    [{ handle: 'x', name: 'Too short' }, 'handle'],
    [{ handle: 'noname' }, 'name'],
    [{ handle: 'nul', name: 'a\u0000' }, 'name'],
    [{ handle: 'bademail', name: 'B', email: 'nope' }, 'email'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    await expectError(await t.api('POST', '/agents', body), 400, 'invalid_request', field);
    if (typeof body.handle === 'string') expect(await t.gateway.db.agent.count({ where: { handle: body.handle } })).toBe(0);
  });
});

describe('unknown routes', () => {
  it('answers 404 JSON for a path nobody serves', async () => {
    const body = await expectError(await fetch(`${t.baseUrl}/no/such/page`), 404, 'not_found');
    expect(body.message).toContain('/no/such/page');
    await expectError(await fetch(`${t.baseUrl}/healthz`, { method: 'DELETE' }), 404, 'not_found');
  });

  it('answers 404 JSON under /api/v1 with a token, and 401 without', async () => {
    await expectError(await t.api('GET', '/no-such-resource'), 404, 'not_found');
    await expectError(await t.api('DELETE', '/tickets/1001'), 404, 'not_found');
    await expectError(await fetch(`${t.baseUrl}/api/v1/no-such-resource`), 401, 'unauthorized');
  });

  it('answers a malformed path with 400 that is not about JSON', async () => {
    const body = await expectError(await t.api('GET', '/tickets/%E0%A4%A'), 400);
    expect(body.error).not.toBe('invalid_json');
  });
});

describe('robustness', () => {
  it('answers every hostile input below 500 and with JSON, and /healthz still answers 200', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const someTicket = (await newTicket()).number;
    const attacks: Array<[string, () => Promise<Response>]> = [
      ['deeply nested JSON', () => signedInbound(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
      ['invalid UTF-8', () => signedInbound(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))],
      ['a lone surrogate', () => signedInbound(`{"chatId":"${randomUUID()}","messageId":"${randomUUID()}","from":{"id":"x"},"text":"\\ud800"}`)],
      ['a __proto__ key', () => signedInbound(`{"__proto__":{"admin":true},"chatId":"${randomUUID()}","messageId":"${randomUUID()}","from":{"id":"x"},"text":"hi"}`)],
      ['NUL in an inbound name', () => t.inbound(inboundBody({ from: { id: 'nul', name: '\u0000' } }))],
      ['a gzip header on plain JSON', () => signedInbound(JSON.stringify(inboundBody()), { 'content-encoding': 'gzip' })],
      ['a GET on the inbound endpoint', () => fetch(`${t.baseUrl}/api/v1/inbound`)],
      ['NUL in a search', () => t.api('GET', `/tickets?q=${encodeURIComponent('\u0000')}`)],
      ['NUL in a category filter', () => t.api('GET', `/tickets?category=${encodeURIComponent('a\u0000')}`)],
      ['a nested query parameter', () => t.api('GET', '/tickets?q[a]=b&status[]=open')],
      ['a huge limit', () => t.api('GET', `/tickets?limit=${'9'.repeat(400)}`)],
      ['a huge offset', () => t.api('GET', `/tickets?offset=${'9'.repeat(400)}`)],
      ['a ticket number beyond int32', () => t.api('GET', '/tickets/99999999999')],
      ['an exponent ticket number', () => t.api('PATCH', '/tickets/1e3', { priority: 'low' })],
      ['a PATCH with a list', () => t.api('PATCH', `/tickets/${someTicket}`, [1, 2, 3])],
      ['a PATCH with a JSON string', () => t.api('PATCH', `/tickets/${someTicket}`, 'resolved')],
      ['a PATCH with __proto__', () => rawApi('PATCH', `/tickets/${someTicket}`, '{"__proto__": {"status": "closed"}}')],
      ['a reply with null', () => t.api('POST', `/tickets/${someTicket}/messages`, null)],
      ['a reply as text/plain', () => rawApi('POST', `/tickets/${someTicket}/messages`, 'hello', { 'content-type': 'text/plain' })],
      ['a PATCH with a bad charset', () => rawApi('PATCH', `/tickets/${someTicket}`, '{}', { 'content-type': 'application/json; charset=klingon' })],
      ['a bad percent-encoding', () => fetch(`${t.baseUrl}/api/v1/tickets/%`, { headers: auth })],
      ['an agent named with NUL', () => t.api('POST', '/agents', { handle: 'nul-agent', name: '\u0000' })],
    ];
    for (const [label, attack] of attacks) {
      const res = await attack();
      const text = await res.text();
      expect(res.status, `${label}: ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
      expect(res.headers.get('content-type') ?? '', label).toMatch(/^application\/json/);
    }
    // Nothing above reached the ticket.
    expect((await getTicket(someTicket)).status).toBe('new');

    const health = await fetch(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await json<{ status: string }>(health)).toMatchObject({ status: 'ok' });
    expect((await t.api('GET', '/tickets?limit=1')).status).toBe(200);
  });
});
