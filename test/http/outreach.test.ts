/**
 * Agent-initiated tickets (POST /api/v1/tickets, src/core/outreach.ts), end to end on a real
 * gateway (PostgreSQL, Redis, BullMQ) with the knowledge-base bot on: a customer writes on the API
 * channel, the bot answers, the ticket is resolved; then an agent writes to that customer first.
 * The message must reach the API channel's webhook, the ticket must be the agent's and the bot's
 * never, and the customer's answer must join it. Refusals (404, 409, 422) store nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

interface TicketJson {
  number: number;
  status: string;
  origin: string;
  priority: string;
  channel: string;
  subject: string | null;
  tags: string[];
  contact: { id: string; name: string | null };
  assignee: { handle: string; name: string } | null;
  botActive: boolean;
  previousTicketNumber: number | null;
  firstResponseDueAt: string | null;
  firstRespondedAt: string | null;
  resolutionDueAt: string | null;
  messages: Array<{ id: string; direction: string; author: { kind: string; name: string | null }; text: string; delivery: { state: string } | null }>;
  events: Array<{ type: string; actor: { kind: string; name: string | null }; data: Record<string, unknown> }>;
}

let t: TestGateway;
let hook: WebhookReceiver;

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  // The bot on (the sample KB): it must answer the customer's own ticket and never the agent's.
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, KB_DIR: SAMPLE_KB_DIR });
  const agent = await t.api('POST', '/agents', { handle: 'anna', name: 'Anna', email: 'anna@example.com' });
  expect(agent.status).toBe(201);
});

afterAll(async () => {
  await t?.stop();
  await hook?.close();
});

async function ticket(number: number): Promise<TicketJson> {
  const res = await t.api('GET', `/tickets/${number}`);
  expect(res.status).toBe(200);
  return (await res.json()) as TicketJson;
}

async function ticketCount(): Promise<number> {
  return ((await (await t.api('GET', '/tickets?limit=1')).json()) as { total: number }).total;
}

async function customerWrites(chatId: string, messageId: string, text: string): Promise<number> {
  const res = await t.inbound({ chatId, messageId, from: { id: `u-${chatId}`, name: 'Ivan', email: `${chatId}@example.com` }, text });
  expect(res.status).toBe(202);
  return ((await res.json()) as { ticketNumber: number }).ticketNumber;
}

describe('POST /api/v1/tickets: an agent writes to the customer first', () => {
  let customerTicket: number;
  let contactId: string;
  let agentTicket: number;
  const chatId = `c-${randomUUID()}`;

  beforeAll(async () => {
    // The customer's own ticket: the bot answers it, then an agent resolves it.
    customerTicket = await customerWrites(chatId, 'm-1', 'How long does delivery take?');
    await eventually(async () => (await ticket(customerTicket)).messages.some((m) => m.author.kind === 'bot'), 10_000, "the bot's answer");
    const resolved = await t.api('PATCH', `/tickets/${customerTicket}`, { status: 'resolved' });
    expect(resolved.status).toBe(200);
    contactId = (await ticket(customerTicket)).contact.id;
    await t.gateway.events.idle();
  });

  it('opens a pending ticket of the agent, closes the resolved one, and delivers the text on the customer\'s channel', async () => {
    const before = await ticketCount();
    const text = 'Your order #5521 is delayed by two days, sorry!';
    const res = await t.api('POST', '/tickets', { contactId, channel: 'api', text, agent: 'anna', priority: 'high', tags: ['delay', ' delay '] });
    const body = (await res.json()) as TicketJson & { messageId: string; closedTicketNumber: number | null };
    expect(res.status, JSON.stringify(body)).toBe(201);
    agentTicket = body.number;
    expect(agentTicket).toBeGreaterThan(customerTicket);
    expect(await ticketCount()).toBe(before + 1);
    expect(body).toMatchObject({
      origin: 'agent',
      status: 'pending',
      channel: 'api',
      priority: 'high',
      tags: ['delay'],
      subject: text,
      assignee: { handle: 'anna', name: 'Anna' },
      botActive: false,
      previousTicketNumber: customerTicket,
      firstResponseDueAt: null,
      closedTicketNumber: customerTicket,
    });
    expect(body.contact.id).toBe(contactId);
    // A resolution target as for any high ticket (test/fixtures/desk-basic.yaml), none for a first response.
    expect(body.resolutionDueAt).not.toBeNull();

    // Delivered: the API channel's webhook got the agent's text for this chat and ticket, signed.
    const delivered = await eventually(() => hook.received.find((r) => r.body.ticketNumber === agentTicket), 10_000, 'the delivery to the API channel');
    expect(delivered.signatureValid).toBe(true);
    expect(delivered.body).toMatchObject({ chatId, text, author: { kind: 'agent', name: 'Anna' }, messageId: body.messageId });

    const detail = await eventually(async () => {
      const d = await ticket(agentTicket);
      return d.messages[0]?.delivery?.state === 'sent' ? d : undefined;
    }, 5000, 'the message marked sent');
    expect(detail.messages).toHaveLength(1);
    expect(detail.messages[0]).toMatchObject({ direction: 'outbound', author: { kind: 'agent', name: 'Anna' }, text });
    // The audit trail says who started it.
    const created = detail.events.find((e) => e.type === 'created');
    expect(created).toMatchObject({ actor: { kind: 'agent', name: 'Anna' }, data: { origin: 'agent', channel: 'api', assignee: 'anna' } });
    expect(detail.events.some((e) => e.type === 'status_changed' && e.data.to === 'pending')).toBe(true);

    // The customer's resolved ticket was closed to make way, by the agent.
    const old = await ticket(customerTicket);
    expect(old.status).toBe('closed');
    expect(old.events.some((e) => e.type === 'status_changed' && e.data.to === 'closed' && e.actor.name === 'Anna')).toBe(true);

    // Listed as an agent's ticket.
    const listed = (await (await t.api('GET', '/tickets?origin=agent')).json()) as { tickets: TicketJson[]; total: number };
    expect(listed.tickets.map((x) => x.number)).toEqual([agentTicket]);
  });

  it('refuses a second ticket while this one is open, naming it (409), and stores nothing', async () => {
    const before = await ticketCount();
    const deliveries = hook.received.length;
    const res = await t.api('POST', '/tickets', { contactId, text: 'One more thing', agent: 'anna' });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; message: string; ticketNumber: number };
    expect(body.error).toBe('open_ticket_exists');
    expect(body.ticketNumber).toBe(agentTicket);
    expect(body.message).toContain(`#${agentTicket}`);
    expect(await ticketCount()).toBe(before);
    expect((await ticket(agentTicket)).messages).toHaveLength(1);
    await t.gateway.events.idle();
    expect(hook.received.length).toBe(deliveries);
  });

  it("joins the customer's answer to the agent's ticket, which opens, and the bot stays silent", async () => {
    const joined = await customerWrites(chatId, 'm-2', 'How long does delivery take now then?');
    expect(joined).toBe(agentTicket);
    await t.gateway.events.idle();
    // Give a bot's answer, were there one, time to be written and sent.
    await new Promise((r) => setTimeout(r, 500));
    await t.gateway.events.idle();
    const d = await ticket(agentTicket);
    expect(d.status).toBe('open');
    expect(d.messages.map((m) => m.author.kind)).toEqual(['agent', 'customer']);
    expect(d.botActive).toBe(false);
    // Still no first-response target: the agent spoke first.
    expect(d.firstResponseDueAt).toBeNull();
    expect(hook.received.filter((r) => r.body.ticketNumber === agentTicket).map((r) => (r.body.author as { kind: string }).kind)).toEqual(['agent']);
  });

  it('answers 404 for an unknown contact, and 422 for a channel the customer never wrote on', async () => {
    const before = await ticketCount();
    const unknown = await t.api('POST', '/tickets', { contactId: randomUUID(), text: 'Hello', agent: 'anna' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toBe('not_found');

    // A customer whose ticket is resolved, who never wrote on Telegram.
    const other = await customerWrites(`c-${randomUUID()}`, 'm-3', 'Hello, I need help with my account');
    expect((await t.api('PATCH', `/tickets/${other}`, { status: 'resolved' })).status).toBe(200);
    const otherContact = (await ticket(other)).contact.id;
    const noChannel = await t.api('POST', '/tickets', { contactId: otherContact, channel: 'telegram', text: 'Hello', agent: 'anna' });
    expect(noChannel.status).toBe(422);
    expect(await noChannel.json()).toMatchObject({ error: 'no_conversation', field: 'channel' });

    const invalid = await t.api('POST', '/tickets', { contactId: otherContact, text: '   ' });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { field: string }).field).toBe('text');
    expect(await ticketCount()).toBe(before + 1);
    expect((await ticket(other)).status).toBe('resolved');
  });

  it('opens one ticket when two agents write to the same customer at once', async () => {
    const chat = `c-${randomUUID()}`;
    const own = await customerWrites(chat, 'm-4', 'Hello, I need help with my account');
    expect((await t.api('PATCH', `/tickets/${own}`, { status: 'resolved' })).status).toBe(200);
    const contact = (await ticket(own)).contact.id;
    const before = await ticketCount();
    const [a, b] = await Promise.all([
      t.api('POST', '/tickets', { contactId: contact, text: 'First agent here', agent: 'anna' }),
      t.api('POST', '/tickets', { contactId: contact, text: 'Second agent here', agent: 'anna' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const created = ((await (a.status === 201 ? a : b).json()) as { number: number }).number;
    expect(((await (a.status === 409 ? a : b).json()) as { ticketNumber: number }).ticketNumber).toBe(created);
    expect(await ticketCount()).toBe(before + 1);
  });

  it('is in the OpenAPI spec', async () => {
    const spec = (await (await fetch(`${t.baseUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(spec.paths['/api/v1/tickets']?.post?.requestBody).toBeDefined();
    expect(spec.paths['/api/v1/tickets']?.get).toBeDefined();
  });
});
