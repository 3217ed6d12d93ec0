/**
 * Automation rules on a real gateway: every kind of trigger, condition and action, the order
 * rules run in, and that changes made by rules trigger no rules (no loops).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

const CRM_SECRET = 'crm-secret';

interface TicketJson {
  number: number;
  status: string;
  priority: string;
  category: string | null;
  tags: string[];
  team: string | null;
  line: number;
  assignee: { handle: string } | null;
  firstRespondedAt: string | null;
  contact: { id: string };
  events: Array<{ type: string; actor: { kind: string; name: string | null }; data: Record<string, unknown> }>;
}

let t: TestGateway;
let customers: WebhookReceiver;
let crm: WebhookReceiver;

function desk(crmUrl: string): string {
  return `
categories:
  - { path: orders, title: { ru: Заказ, en: Orders } }
  - { path: returns, title: { ru: Возврат, en: Returns } }
calendars:
  always: { timeZone: UTC, hours: { mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"] } }
teams:
  - { name: support, line: 1, strategy: pool }
  - { name: experts, line: 2, strategy: pool }
agents:
  - { handle: anna, name: Анна, teams: [support] }
timers:
  calendar: always
canned:
  - shortcut: vip-hello
    text: { ru: "Здравствуйте! Вы наш VIP-клиент, обращение #{{ticket.number}} уже в работе.", en: "Hello! As a VIP customer, your request #{{ticket.number}} is already being handled." }
automation:
  - name: vip tag
    when: ticket.created
    if: { attributes: { vip: true } }
    then:
      - addTags: [vip]
      - setPriority: high
      - reply: vip-hello
      - notify: supervisor
        message: VIP wrote
  - name: vip team
    when: ticket.created
    if: { tags: [vip], priority: [high] }
    then:
      - setTeam: experts
  - name: inside hours
    when: ticket.created
    if: { businessHours: true, channel: [api] }
    then:
      - addTags: [open-hours]
  - name: outside hours
    when: ticket.created
    if: { businessHours: false }
    then:
      - addTags: [closed-hours]
  - name: refund words
    when: message.received
    if: { text: [refund, "верните деньги"] }
    then:
      - setCategory: returns
      - addTags: [refund]
      - assign: anna
  - name: urgent to crm
    when: ticket.updated
    if: { priority: [urgent] }
    then:
      - webhook: ${crmUrl}
  - name: touch on update
    when: ticket.updated
    if: { tags: [watch] }
    then:
      - addTags: [touched]
      # Tags are one whatever their case: this removes "watch".
      - removeTags: [Watch]
      - addTags: [watch]
  - name: breach escalates
    when: sla.breached
    then:
      - escalate: true
      - notify: team
`;
}

beforeAll(async () => {
  customers = await startWebhookReceiver(API_SECRET);
  crm = await startWebhookReceiver(CRM_SECRET);
  const dir = await mkdtemp(path.join(tmpdir(), 'omnidesk-automation-'));
  const file = path.join(dir, 'desk.yaml');
  await writeFile(file, desk(crm.url));
  t = await startTestGateway({ DESK_CONFIG: file, BOT_ENABLED: 'false', API_CHANNEL_WEBHOOK_URL: customers.url, AUTOMATION_WEBHOOK_SECRET: CRM_SECRET });
});

afterAll(async () => {
  await t?.stop();
  await customers?.close();
  await crm?.close();
});

beforeEach(() => {
  customers.reset();
  crm.reset();
});

async function ok<T>(res: Response, status = 200): Promise<T> {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return (body ? JSON.parse(body) : undefined) as T;
}

async function write(text: string, from = `u-${randomUUID()}`, chatId = randomUUID()): Promise<number> {
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: from, name: 'Olga' }, text });
  return (await ok<{ ticketNumber: number }>(res, 202)).ticketNumber;
}

const ticket = async (n: number) => ok<TicketJson>(await t.api('GET', `/tickets/${n}`));
const settle = () => t.gateway.events.idle();

describe('automation rules', () => {
  it('runs ticket.created rules in order on the routed ticket: attributes, tags, priority, canned reply, notify, team', async () => {
    const from = `u-${randomUUID()}`;
    const first = await write('hello', from);
    await settle();
    await t.gateway.db.contact.update({ where: { id: (await ticket(first)).contact.id }, data: { attributes: { vip: true } } });
    const notified: unknown[] = [];
    const stop = t.gateway.events.on('desk.notify', (e) => void notified.push(e));
    const n = await write('Where is my order?', from);
    const vip = await eventually(async () => {
      const x = await ticket(n);
      return x.team === 'experts' && x.tags.includes('open-hours') ? x : undefined;
    });
    stop();
    expect(vip.tags).toEqual(['open-hours', 'vip']);
    expect(vip.tags).not.toContain('closed-hours');
    expect(vip.priority).toBe('high');
    // The second rule saw what the first did (tag + priority) and moved the ticket to the experts.
    const names = vip.events.filter((e) => e.actor.name?.startsWith('automation: ')).map((e) => `${e.actor.name} ${e.type}`);
    expect(names).toEqual([
      'automation: vip tag tags_changed',
      'automation: vip tag priority_changed',
      'automation: vip team teamId_changed',
      'automation: inside hours tags_changed',
    ]);
    expect(notified).toEqual([expect.objectContaining({ ticketNumber: n, target: 'supervisor', message: 'VIP wrote', rule: 'vip tag' })]);
    // The canned reply reached the customer, in the contact's language (none: English), and is not a first response.
    const reply = await eventually(() => customers.received.find((r) => (r.body.text as string).includes(`#${n}`)));
    expect(reply.body.text).toBe(`Hello! As a VIP customer, your request #${n} is already being handled.`);
    expect((await ticket(n)).firstRespondedAt).toBeNull();
  });

  it("ticket.created rules do not run for a ticket an agent started: no auto-reply to a customer who did not write", async () => {
    const from = `u-${randomUUID()}`;
    const chat = randomUUID();
    const first = await write('hello', from, chat);
    await settle();
    const contactId = (await ticket(first)).contact.id;
    await t.gateway.db.contact.update({ where: { id: contactId }, data: { attributes: { vip: true } } });
    await ok(await t.api('PATCH', `/tickets/${first}`, { status: 'resolved' }));
    await settle();
    customers.reset();
    const started = await ok<{ number: number }>(await t.api('POST', '/tickets', { contactId, text: 'Your order is delayed', agent: 'anna' }), 201);
    await eventually(() => customers.received.find((r) => r.body.ticketNumber === started.number), 10_000, "the agent's message");
    await settle();
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    // Only the agent's message reached the customer: no VIP canned reply, no "taken" notice.
    // (The first ticket's "resolved" notice may arrive meanwhile: it is that ticket's.)
    expect(customers.received.filter((r) => r.body.ticketNumber === started.number).map((r) => (r.body.author as { kind: string }).kind)).toEqual(['agent']);
    const x = await ticket(started.number);
    expect(x.tags).toEqual([]);
    expect(x).toMatchObject({ priority: 'normal', team: null, assignee: { handle: 'anna' } });
    expect(x.events.filter((e) => e.actor.name?.startsWith('automation: ') || e.actor.name === 'routing')).toEqual([]);
  });

  it('message.received: text conditions set the category, tags and assignee', async () => {
    const chat = randomUUID();
    const from = `u-${randomUUID()}`;
    const n = await write('Hello there', from, chat);
    await settle();
    expect((await ticket(n)).tags).not.toContain('refund');
    await write('I want a REFUND please', from, chat);
    const x = await eventually(async () => {
      const y = await ticket(n);
      return y.assignee ? y : undefined;
    });
    expect(x).toMatchObject({ category: 'returns', assignee: { handle: 'anna' } });
    expect(x.tags).toContain('refund');
  });

  it('ticket.updated: a rule calls a signed webhook, retried when the receiver fails', async () => {
    const n = await write('hi');
    await settle();
    crm.failNext([503]);
    await ok(await t.api('PATCH', `/tickets/${n}`, { priority: 'urgent' }));
    const hook = await eventually(() => crm.received[0], 15_000, 'the CRM webhook');
    expect(hook.signatureValid).toBe(true);
    expect(hook.body).toMatchObject({ event: 'ticket.updated', rule: 'urgent to crm', ticket: { number: n, priority: 'urgent', status: 'new' } });
    expect(crm.attempts.length).toBe(2);
  });

  it('rules do not trigger rules: a rule that changes the ticket on every update runs once per outside change', async () => {
    const n = await write('hi');
    await settle();
    await ok(await t.api('PATCH', `/tickets/${n}`, { tags: ['watch'] }));
    await settle();
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    const x = await ticket(n);
    expect(x.tags).toEqual(['touched', 'watch']);
    const byRule = x.events.filter((e) => e.actor.name === 'automation: touch on update');
    // addTags, removeTags, addTags: three changes from one agent update, then nothing more.
    expect(byRule.map((e) => e.type)).toEqual(['tags_changed', 'tags_changed', 'tags_changed']);
  });

  it('sla.breached: escalate raises the line and priority and moves the ticket to the next line team', async () => {
    const n = await write('hi');
    await settle();
    const row = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: n } });
    const notified: Array<{ target: string }> = [];
    const stop = t.gateway.events.on('desk.notify', (e) => void notified.push(e));
    t.gateway.events.publish('sla.breached', {
      ticketId: row.id, ticketNumber: n, conversationId: row.conversationId, channel: row.channel,
      target: 'firstResponse', dueAt: new Date(), fromLine: 1, toLine: 1, assigneeId: null, teamId: null,
    });
    const x = await eventually(async () => {
      const y = await ticket(n);
      return y.line === 2 ? y : undefined;
    });
    stop();
    expect(x).toMatchObject({ line: 2, priority: 'high', team: 'experts' });
    expect(notified).toEqual([expect.objectContaining({ target: 'team', message: 'breach escalates' })]);
  });
});
