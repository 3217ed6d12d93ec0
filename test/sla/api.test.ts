/** SLA due times through the API channel and the REST API, on real PostgreSQL, with the sample desk configuration. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../../src/core/sla/calendar.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
  // This file checks the due-time arithmetic of the API. Its tickets are from 2025, so their SLA
  // breach timers would fire at once and escalate them (priority up a step) at a moment that
  // depends on the machine's load, changing the targets under the assertions: pause them.
  await t.gateway.timers.worker.worker.pause();
});
afterAll(async () => {
  await t?.stop();
});

const msk = (local: string) => new Date(`${local}+03:00`);
const iso = (local: string) => msk(local).toISOString();
const office = BusinessCalendar.parse({
  name: 'office',
  timeZone: 'Europe/Moscow',
  hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
  holidays: ['01-01', '01-02', '01-07', '02-23', '03-08', '05-01', '05-09', '06-12', '11-04', '2026-12-31'],
});

interface TicketJson {
  number: number;
  status: string;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  sla: { firstResponseBreached: boolean; resolutionBreached: boolean };
}

async function ticketFrom(chatId: string, extra: Record<string, unknown> = {}): Promise<TicketJson> {
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Ivan' }, text: 'Where is my order?', ...extra });
  expect(res.status).toBeLessThan(300);
  const { ticketNumber } = (await res.json()) as { ticketNumber: number };
  return get(ticketNumber);
}

async function get(number: number): Promise<TicketJson> {
  const res = await t.api('GET', `/tickets/${number}`);
  expect(res.status).toBe(200);
  return (await res.json()) as TicketJson;
}

async function patch(number: number, body: Record<string, unknown>): Promise<TicketJson> {
  const res = await t.api('PATCH', `/tickets/${number}`, body);
  expect(res.status).toBe(200);
  return (await res.json()) as TicketJson;
}

describe('SLA due times', () => {
  it('starts the clock at sentAt: Friday 15:00 is due Monday 10:00, and reports the breach', async () => {
    const ticket = await ticketFrom(randomUUID(), { sentAt: iso('2025-11-21T15:00:00') });
    expect(ticket.firstResponseDueAt).toBe(iso('2025-11-24T10:00:00'));
    expect(ticket.resolutionDueAt).toBe(iso('2025-11-26T15:00:00'));
    expect(ticket.sla).toEqual({ firstResponseBreached: true, resolutionBreached: true });
  });

  it('uses the policy of the topic the customer picked', async () => {
    const ticket = await ticketFrom(randomUUID(), { sentAt: iso('2025-11-21T15:00:00'), topic: 'delivery' });
    expect(ticket.firstResponseDueAt).toBe(iso('2025-11-21T17:00:00'));
  });

  it('recomputes the due times when the priority or the category changes', async () => {
    const ticket = await ticketFrom(randomUUID(), { sentAt: iso('2025-11-21T15:00:00') });
    const urgent = await patch(ticket.number, { priority: 'urgent' });
    expect(urgent.firstResponseDueAt).toBe(iso('2025-11-21T16:00:00'));
    expect(urgent.resolutionDueAt).toBe(iso('2025-11-24T15:00:00'));
    const back = await patch(ticket.number, { priority: 'normal', category: 'delivery/courier' });
    expect(back.firstResponseDueAt).toBe(iso('2025-11-21T17:00:00'));
    // A met target stays as it was.
    expect((await t.api('POST', `/tickets/${ticket.number}/messages`, { text: 'On it' })).status).toBe(201);
    const low = await patch(ticket.number, { priority: 'low', category: null });
    expect(low.firstResponseDueAt).toBe(iso('2025-11-21T17:00:00'));
    expect(low.resolutionDueAt).not.toBe(back.resolutionDueAt);
  });

  it('leaves pending time out: leaving pending pushes the unmet due times later', async () => {
    for (const leave of ['agent', 'customer'] as const) {
      const chatId = randomUUID();
      const ticket = await ticketFrom(chatId, { sentAt: iso('2025-11-21T15:00:00') });
      await patch(ticket.number, { status: 'pending' });
      // The ticket went pending on Friday at 16:00, with 2 of its 3 business hours left.
      const id = (await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: ticket.number } })).id;
      await t.gateway.db.ticketEvent.updateMany({ where: { ticketId: id, type: 'status_changed' }, data: { createdAt: msk('2025-11-21T16:00:00') } });
      const before = new Date();
      if (leave === 'agent') await patch(ticket.number, { status: 'open' });
      else await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}` }, text: 'Any news?' });
      const after = new Date();
      const resumed = await get(ticket.number);
      expect(resumed.status).toBe('open');
      const due = new Date(resumed.firstResponseDueAt!);
      expect(due >= office.add(before, 2 * 3_600_000) && due <= office.add(after, 2 * 3_600_000)).toBe(true);
      expect(new Date(resumed.resolutionDueAt!) > new Date(ticket.resolutionDueAt!)).toBe(true);
      expect(resumed.sla.firstResponseBreached).toBe(false);
    }
  });
});
