/**
 * The SLA clock and the KB bot, on real PostgreSQL, Redis and BullMQ: while the bot has a ticket
 * people's clock does not run (no due times, no warning, no breach, not overdue), and it starts
 * when people get the ticket, from the bot's handoff or an agent's reply.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { Chat } from './support.js';

const FIRST_RESPONSE_S = 3;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DESK = `
calendars:
  always: { timeZone: UTC, hours: { ${DAYS.map((d) => `${d}: ["00:00-24:00"]`).join(', ')} } }
sla:
  - { priority: normal, calendar: always, firstResponse: ${FIRST_RESPONSE_S}s, resolution: 1h }
timers:
  slaWarning: 0.5
`;

let t: TestGateway;
let hook: WebhookReceiver;
const slaEvents: Array<{ ticketNumber: number; kind: string }> = [];

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  const desk = path.join(tmpdir(), `omnidesk-bot-sla-${randomUUID()}.yaml`);
  await writeFile(desk, DESK);
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, KB_DIR: SAMPLE_KB_DIR, DESK_CONFIG: desk });
  t.gateway.events.on('sla.warning', (e) => void slaEvents.push({ ticketNumber: e.ticketNumber, kind: 'warning' }));
  t.gateway.events.on('sla.breached', (e) => void slaEvents.push({ ticketNumber: e.ticketNumber, kind: 'breached' }));
  await t.gateway.timers.rebuilt;
  expect((await t.api('POST', '/agents', { handle: 'nina', name: 'Nina' })).status).toBe(201);
});
afterAll(async () => {
  await t?.stop();
  await hook?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function row(number: number) {
  return t.gateway.db.ticket.findUniqueOrThrow({
    where: { number },
    select: { id: true, firstResponseDueAt: true, resolutionDueAt: true, slaPolicy: true, overdue: true, firstRespondedAt: true, slaBreachedAt: true, handedOffAt: true },
  });
}

/** When the audit trail recorded an event of this type on the ticket. */
async function auditedAt(ticketId: string, type: string): Promise<Date> {
  return (await t.gateway.db.ticketEvent.findFirstOrThrow({ where: { ticketId, type }, orderBy: { seq: 'desc' } })).createdAt;
}

describe('while the bot has the ticket', () => {
  it('runs no SLA clock: no due times, and no warning or breach however long the customer stays', async () => {
    const c = new Chat(t, hook);
    await c.say('How long does delivery take?');
    expect((await c.botMessage(1)).buttons.map((b) => b.id)).toContain('kb:no:delivery-time-en');
    const held = await row(c.number);
    expect(held).toMatchObject({ firstResponseDueAt: null, resolutionDueAt: null, slaPolicy: 'normal', overdue: false, handedOffAt: null });

    // Well past the first-response target (and its warning at half of it).
    await sleep((FIRST_RESPONSE_S + 2) * 1000);
    await t.gateway.events.idle();
    expect(slaEvents.filter((e) => e.ticketNumber === c.number)).toEqual([]);
    expect(await row(c.number)).toMatchObject({ firstResponseDueAt: null, overdue: false, slaBreachedAt: null });
  });
});

describe('when people get the ticket', () => {
  it('starts the clock at the bot handoff: due times count from then, and a missed target breaches', async () => {
    const c = new Chat(t, hook);
    await c.say('What payment methods do you accept?');
    const answer = await c.botMessage(1);
    await sleep(1500); // time with the bot, which the clock must leave out
    await c.press(answer.buttons.find((b) => b.id.startsWith('kb:no:'))!);
    await c.botMessage(2);

    const ticket = await row(c.number);
    const handoff = await auditedAt(ticket.id, 'bot.handoff');
    // Due from the handoff (within the transaction's few milliseconds), not from the customer's first message.
    expect(Math.abs(ticket.firstResponseDueAt!.getTime() - (handoff.getTime() + FIRST_RESPONSE_S * 1000))).toBeLessThan(1000);
    expect(Math.abs(ticket.resolutionDueAt!.getTime() - (handoff.getTime() + 3_600_000))).toBeLessThan(1000);
    // First response time counts from here too.
    expect(Math.abs(ticket.handedOffAt!.getTime() - handoff.getTime())).toBeLessThan(1000);
    const changed = (await c.ticket()).events.find((e) => e.type === 'firstResponseDueAt_changed');
    expect(changed).toMatchObject({ actor: { kind: 'bot' }, data: { from: null } });

    // Nobody answers: the clock now runs, so the target is missed.
    await eventually(() => slaEvents.find((e) => e.ticketNumber === c.number && e.kind === 'breached'), 20_000, `breach of #${c.number}`);
    expect((await row(c.number)).overdue).toBe(true);
  });

  it('starts the clock at an agent reply to a ticket the bot still has: the first response is met', async () => {
    const c = new Chat(t, hook);
    await c.say('Как вернуть товар?');
    await c.botMessage(1);
    await sleep(1000);
    const res = await t.api('POST', `/tickets/${c.number}/messages`, { text: 'Здравствуйте! Помогу с возвратом.', agent: 'nina' });
    expect(res.status).toBe(201);

    const ticket = await row(c.number);
    expect(ticket.firstRespondedAt).not.toBeNull();
    const from = ticket.firstRespondedAt!.getTime();
    expect(ticket.firstResponseDueAt!.getTime()).toBe(from + FIRST_RESPONSE_S * 1000);
    expect(ticket.resolutionDueAt!.getTime()).toBe(from + 3_600_000);
    expect(ticket.handedOffAt).toEqual(ticket.firstRespondedAt);
    await sleep((FIRST_RESPONSE_S + 1) * 1000);
    await t.gateway.events.idle();
    expect(slaEvents.filter((e) => e.ticketNumber === c.number)).toEqual([]);
  });

  it('starts the clock when an agent is assigned a ticket the bot still has', async () => {
    const c = new Chat(t, hook);
    await c.say('How much does delivery cost?');
    await c.botMessage(1);
    await sleep(1000);
    expect((await t.api('PATCH', `/tickets/${c.number}`, { assignee: 'nina' })).status).toBe(200);
    const ticket = await row(c.number);
    const assigned = await auditedAt(ticket.id, 'assigneeId_changed');
    expect(ticket.handedOffAt).not.toBeNull();
    expect(Math.abs(ticket.handedOffAt!.getTime() - assigned.getTime())).toBeLessThan(1000);
    expect(ticket.firstResponseDueAt!.getTime()).toBe(ticket.handedOffAt!.getTime() + FIRST_RESPONSE_S * 1000);
  });
});
