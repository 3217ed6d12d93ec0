/**
 * Assignment on real PostgreSQL and Redis: round-robin fairness, capacity, availability and
 * absences, skills, least-loaded, pools, the pull queue under concurrency (also across two
 * instances), queued tickets flowing when capacity frees, and reassign on silence.
 * The bot is off, so every new ticket reaches people at once; the topic picks the team.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../src/core/events.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let other: TestGateway | undefined;

beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false', DESK_CONFIG: 'test/desk/fixtures/assignment.yaml' });
});
afterAll(async () => {
  await other?.stop();
  await t?.stop();
});

interface TicketJson {
  number: number;
  status: string;
  priority: string;
  category: string | null;
  team: string | null;
  assignee: { handle: string } | null;
}

/** A customer writes on the API channel with a topic; resolves once routing and assignment are done. */
async function ticketIn(topic: string, gw: TestGateway = t): Promise<number> {
  const chatId = `c-${randomUUID()}`;
  const res = await gw.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Customer' }, text: 'Hello, I need help', topic });
  expect(res.status).toBeLessThan(300);
  const { ticketNumber } = (await res.json()) as { ticketNumber: number };
  await gw.gateway.events.idle();
  return ticketNumber;
}

async function get(number: number): Promise<TicketJson> {
  const res = await t.api('GET', `/tickets/${number}`);
  expect(res.status).toBe(200);
  return (await res.json()) as TicketJson;
}

const assigneeOf = async (number: number) => (await get(number)).assignee?.handle ?? null;

async function patch(number: number, body: Record<string, unknown>): Promise<void> {
  expect((await t.api('PATCH', `/tickets/${number}`, body)).status).toBe(200);
  await t.gateway.events.idle();
}

async function pull(gw: TestGateway, handle: string): Promise<{ status: number; body: { ticket: TicketJson | null; error?: string; message?: string } }> {
  const res = await gw.api('POST', `/agents/${handle}/next`);
  return { status: res.status, body: (await res.json()) as { ticket: TicketJson | null } };
}

describe('round-robin', () => {
  it('hands 9 tickets to 3 agents in turn, 3 each', async () => {
    const got: Array<string | null> = [];
    for (let i = 0; i < 9; i++) got.push(await assigneeOf(await ticketIn('rr')));
    expect(got).toEqual(['r1', 'r2', 'r3', 'r1', 'r2', 'r3', 'r1', 'r2', 'r3']);
  });

  it('keeps the turn in PostgreSQL (Agent.lastAssignedAt), not in one instance', async () => {
    const agents = await t.gateway.db.agent.findMany({ where: { handle: { in: ['r1', 'r2', 'r3'] } }, orderBy: { lastAssignedAt: 'asc' } });
    expect(agents.map((a) => a.handle)).toEqual(['r1', 'r2', 'r3']);
    // The next ticket goes to whoever waited longest, as the database says.
    await t.gateway.db.agent.update({ where: { handle: 'r3' }, data: { lastAssignedAt: new Date(0) } });
    expect(await assigneeOf(await ticketIn('rr'))).toBe('r3');
  });

  it('records when the assignee got the ticket, and audits the system actor', async () => {
    const number = await ticketIn('rr');
    const row = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number }, include: { events: true } });
    expect(row.assignedAt).toBeInstanceOf(Date);
    expect(row.botActive).toBe(false);
    expect(row.events.find((e) => e.type === 'assigneeId_changed')).toMatchObject({ actorKind: 'system', actorName: 'assignment' });
  });
});

describe('capacity and the queue', () => {
  it('never gives an agent more open tickets than their capacity; queued tickets flow when capacity frees', async () => {
    const [a, b, c, d] = [await ticketIn('cap'), await ticketIn('cap'), await ticketIn('cap'), await ticketIn('cap')];
    expect([await assigneeOf(a), await assigneeOf(b), await assigneeOf(c)]).toEqual(['c1', 'c2', 'c2']);
    // Nobody has room: the ticket waits, unassigned, in its team.
    expect(await get(d)).toMatchObject({ team: 'cap', assignee: null });
    const { agents } = (await (await t.api('GET', '/agents')).json()) as { agents: Array<{ handle: string; openTickets: number; capacity: number | null }> };
    expect(agents.find((x) => x.handle === 'c1')).toMatchObject({ openTickets: 1, capacity: 1 });
    expect(agents.find((x) => x.handle === 'c2')).toMatchObject({ openTickets: 2, capacity: 2 });

    // Pending still counts against capacity; resolving frees a place, and the queued ticket takes it.
    await patch(a, { status: 'pending' });
    expect(await assigneeOf(d)).toBeNull();
    await patch(a, { status: 'resolved' });
    await eventually(async () => (await assigneeOf(d)) === 'c1', 5000, 'the queued ticket to flow to c1');

    // Taking a ticket from an agent frees a place too.
    const e = await ticketIn('cap');
    expect(await assigneeOf(e)).toBeNull();
    await patch(b, { assignee: null, team: null });
    await eventually(async () => (await assigneeOf(e)) === 'c2', 5000, 'the queued ticket to flow to c2');
    // Without a team it would wait in everyone's pull queue: out of the way of the tests below.
    await patch(b, { status: 'resolved' });
  });

  it('refuses a pull from an agent at capacity, naming why', async () => {
    const mine = await ticketIn('pool');
    await patch(mine, { assignee: 'q5' });
    const res = await pull(t, 'q5');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'at_capacity' });
    expect(res.body.message).toMatch(/q5.*1 open ticket/);
    await patch(mine, { status: 'resolved' });
  });
});

describe('availability, absences and skills', () => {
  it('skips away, offline and absent agents', async () => {
    for (let i = 0; i < 4; i++) expect(await assigneeOf(await ticketIn('avail'))).toBe('a-online');
    const { agents } = (await (await t.api('GET', '/agents')).json()) as { agents: Array<{ handle: string; absentNow: boolean; availability: string }> };
    expect(agents.find((a) => a.handle === 'a-absent')).toMatchObject({ absentNow: true, availability: 'online' });
    expect(agents.find((a) => a.handle === 'a-away')).toMatchObject({ absentNow: false, availability: 'away' });
  });

  it('queues while nobody is available, and hands the ticket over when an agent comes online', async () => {
    expect((await t.api('PATCH', '/agents/a-online', { availability: 'offline' })).status).toBe(200);
    const number = await ticketIn('avail');
    expect(await get(number)).toMatchObject({ team: 'avail', assignee: null });
    const res = await t.api('PATCH', '/agents/a-away', { availability: 'online' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ handle: 'a-away', availability: 'online' });
    await eventually(async () => (await assigneeOf(number)) === 'a-away', 5000, 'the queued ticket to go to a-away');
    await t.api('PATCH', '/agents/a-away', { availability: 'away' });
    await t.api('PATCH', '/agents/a-online', { availability: 'online' });
  });

  it('an absence added through the API takes effect at once, and its removal too', async () => {
    const res = await t.api('POST', '/agents/a-online/absences', { from: '2020-01-01', to: '2099-01-01', reason: 'sick leave' });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const number = await ticketIn('avail');
    expect(await assigneeOf(number)).toBeNull();
    expect((await t.api('DELETE', `/agents/a-online/absences/${id}`)).status).toBe(204);
    await eventually(async () => (await assigneeOf(number)) === 'a-online', 5000, 'the ticket after the absence was removed');
    const bad = await t.api('POST', '/agents/a-online/absences', { from: '2026-02-01', to: '2026-01-01' });
    expect(bad.status).toBe(400);
  });

  it("gives a ticket only to agents whose skills cover its category (subcategories inherit the parent's team)", async () => {
    for (let i = 0; i < 3; i++) {
      const printers = await ticketIn('hw/printers');
      expect(await get(printers)).toMatchObject({ team: 'skills', assignee: { handle: 'p-printers' } });
      expect(await assigneeOf(await ticketIn('hw/scanners'))).toBe('p-scanners');
    }
  });
});

describe('least-loaded', () => {
  it('gives the ticket to the agent with the fewest open tickets', async () => {
    const [x, y, z] = [await ticketIn('ll'), await ticketIn('ll'), await ticketIn('ll')];
    // Starting from 1 each: l1 gets two more by hand, l2 one more.
    expect([await assigneeOf(x), await assigneeOf(y), await assigneeOf(z)].sort()).toEqual(['l1', 'l2', 'l3']);
    const extra = [await ticketIn('pool'), await ticketIn('pool'), await ticketIn('pool')];
    await patch(extra[0]!, { assignee: 'l1' });
    await patch(extra[1]!, { assignee: 'l1' });
    await patch(extra[2]!, { assignee: 'l2' });
    // Loads: l1 3, l2 2, l3 1.
    expect(await assigneeOf(await ticketIn('ll'))).toBe('l3');
    // l2 2, l3 2: a tie goes to whoever waited longer (l2).
    expect(await assigneeOf(await ticketIn('ll'))).toBe('l2');
    expect(await assigneeOf(await ticketIn('ll'))).toBe('l3');
  });
});

describe('pool and pull', () => {
  it('leaves pool tickets unassigned; next hands out the most urgent, then the earliest deadline', async () => {
    const low = await ticketIn('pool');
    const urgent = await ticketIn('pool');
    const early = await ticketIn('pool');
    expect(await get(low)).toMatchObject({ team: 'pool', assignee: null });
    await patch(low, { priority: 'low' });
    await patch(urgent, { priority: 'urgent' });
    await patch(early, { priority: 'high' });
    const late = await ticketIn('pool');
    await patch(late, { priority: 'high' });
    // Same priority: the nearer deadline first.
    await t.gateway.db.ticket.update({ where: { number: early }, data: { firstResponseDueAt: new Date(Date.now() + 60_000) } });
    await t.gateway.db.ticket.update({ where: { number: late }, data: { firstResponseDueAt: new Date(Date.now() + 3_600_000) } });
    const order: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await pull(t, 'q1');
      expect(res.status).toBe(200);
      order.push(res.body.ticket!.number);
      expect(res.body.ticket!.assignee?.handle).toBe('q1');
    }
    expect(order.slice(0, 3)).toEqual([urgent, early, late]);
    expect(order).toContain(low);
    for (const n of order) await patch(n, { status: 'resolved' });
  });

  it('assign says why it leaves a ticket alone (pool, no team, already assigned) and changes nothing then', async () => {
    const { assigner } = t.gateway.assignment;
    const id = async (number: number) => (await t.gateway.db.ticket.findUniqueOrThrow({ where: { number } })).id;
    const audits = async (number: number) => t.gateway.db.ticketEvent.count({ where: { ticket: { number } } });
    const pooled = await ticketIn('pool');
    const before = await audits(pooled);
    expect(await assigner.assign(await id(pooled))).toEqual({ outcome: 'skipped', reason: 'pool' });
    await patch(pooled, { team: null });
    expect(await assigner.assign(await id(pooled))).toEqual({ outcome: 'skipped', reason: 'no-team' });
    const taken = await ticketIn('rr');
    expect(await assigneeOf(taken)).not.toBeNull();
    const takenAudits = await audits(taken);
    expect(await assigner.assign(await id(taken))).toEqual({ outcome: 'skipped', reason: 'not-waiting' });
    expect(await audits(taken)).toBe(takenAudits);
    expect(await audits(pooled)).toBe(before + 1); // the team change only
    expect(await assigner.assign(randomUUID())).toEqual({ outcome: 'skipped', reason: 'not-found' });
    await patch(pooled, { status: 'resolved' });
    await patch(taken, { status: 'resolved' });
  });

  it('20 concurrent pulls on two instances against 10 tickets hand out each ticket exactly once', async () => {
    other = await startTestGateway(
      { BOT_ENABLED: 'false', DESK_CONFIG: 'test/desk/fixtures/assignment.yaml' },
      { databaseUrl: t.databaseUrl, redisPrefix: t.redisPrefix },
    );
    const queued: number[] = [];
    for (let i = 0; i < 10; i++) queued.push(await ticketIn('pool'));
    const handles = ['q1', 'q2', 'q3', 'q4'];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pull(i % 2 ? other! : t, handles[i % handles.length]!)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const taken = results.map((r) => r.body.ticket?.number).filter((n): n is number => n !== undefined);
    expect(taken).toHaveLength(10);
    expect(new Set(taken).size).toBe(10);
    expect([...taken].sort((a, b) => a - b)).toEqual(queued);
    expect(results.filter((r) => r.body.ticket === null)).toHaveLength(10);
    // Each ticket was assigned once: one assignment in its audit trail, to the agent who got it.
    const rows = await t.gateway.db.ticket.findMany({ where: { number: { in: queued } }, include: { assignee: true, events: { where: { type: 'assigneeId_changed' } } } });
    for (const row of rows) {
      expect(row.events).toHaveLength(1);
      const winner = results.find((r) => r.body.ticket?.number === row.number);
      expect(row.assignee?.handle).toBe(winner?.body.ticket?.assignee?.handle);
    }
    for (const n of queued) await patch(n, { status: 'resolved' });
  });

  it('round-robin stays fair when tickets arrive at once on two instances', async () => {
    const numbers = await Promise.all(Array.from({ length: 6 }, (_, i) => ticketIn('rr', i % 2 ? other! : t)));
    const handles = await Promise.all(numbers.map(assigneeOf));
    expect(handles.filter((h) => h === 'r1')).toHaveLength(2);
    expect(handles.filter((h) => h === 'r2')).toHaveLength(2);
    expect(handles.filter((h) => h === 'r3')).toHaveLength(2);
  });

  it('answers 404 for an unknown agent and says when the queue is empty', async () => {
    expect((await pull(t, 'nobody')).status).toBe(404);
    const empty = await pull(t, 'q2');
    expect(empty).toMatchObject({ status: 200, body: { ticket: null } });
  });
});

describe('reassign on silence', () => {
  const reassigned: Array<DomainEvents['ticket.reassigned']> = [];
  beforeAll(() => {
    t.gateway.events.on('ticket.reassigned', (e) => void reassigned.push(e));
  });

  /** Moves the assignment back in time, as if the assignee had been silent for `ms`. */
  async function silentFor(number: number, ms: number): Promise<string> {
    const row = await t.gateway.db.ticket.update({ where: { number }, data: { assignedAt: new Date(Date.now() - ms) } });
    return row.id;
  }

  it('silenceDueAt is assignedAt + the team limit, none once an agent replied', async () => {
    const { silenceDueAt } = await import('../../src/core/assignment/silence.js');
    const assignedAt = new Date('2026-01-01T10:00:00Z');
    const base = { status: 'open', assigneeId: 'x', assignedAt, team: 'silent' };
    expect(silenceDueAt(base, t.gateway.settings)).toEqual(new Date('2026-01-01T10:30:00Z'));
    expect(silenceDueAt({ ...base, lastAgentReplyAt: new Date('2026-01-01T10:05:00Z') }, t.gateway.settings)).toBeNull();
    expect(silenceDueAt({ ...base, team: 'rr' }, t.gateway.settings)).toBeNull();
    expect(silenceDueAt({ ...base, status: 'pending' }, t.gateway.settings)).toBeNull();
    expect(silenceDueAt({ ...base, assigneeId: null }, t.gateway.settings)).toBeNull();
  });

  it('moves the ticket to the next agent once, announces it, and leaves a ticket whose assignee replied', async () => {
    const number = await ticketIn('silent');
    const first = await assigneeOf(number);
    expect(first).toMatch(/^s[12]$/);
    const id = await silentFor(number, 10 * 60_000);
    // Not yet: 10 of 30 minutes.
    expect(await t.gateway.assignment.reassignIfSilent(id)).toEqual({ outcome: 'unchanged' });

    await silentFor(number, 31 * 60_000);
    // Twice at once (a timer fired on two instances): one reassignment.
    const both = await Promise.all([t.gateway.assignment.reassignIfSilent(id), t.gateway.assignment.reassignIfSilent(id)]);
    expect(both.filter((r) => r.outcome === 'reassigned')).toHaveLength(1);
    const second = await assigneeOf(number);
    expect(second).toMatch(/^s[12]$/);
    expect(second).not.toBe(first);
    await eventually(() => reassigned.find((e) => e.ticketNumber === number), 5000, 'the ticket.reassigned event');
    const event = reassigned.find((e) => e.ticketNumber === number)!;
    const agents = await t.gateway.db.agent.findMany({ where: { handle: { in: ['s1', 's2'] } } });
    expect(event.fromAgentId).toBe(agents.find((a) => a.handle === first)!.id);
    expect(event.toAgentId).toBe(agents.find((a) => a.handle === second)!.id);
    const audit = await t.gateway.db.ticketEvent.findMany({ where: { ticketId: id, type: 'reassigned' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorName: 'reassign-on-silence', data: expect.objectContaining({ reason: 'silence', from: first, to: second }) });

    // The new assignee answers: silence does not apply any more.
    expect((await t.api('POST', `/tickets/${number}/messages`, { text: 'On it', agent: second })).status).toBe(201);
    await silentFor(number, 60 * 60_000);
    expect(await t.gateway.assignment.reassignIfSilent(id)).toEqual({ outcome: 'unchanged' });
    expect(await assigneeOf(number)).toBe(second);
  });

  it('in a pool team the ticket goes back to the queue', async () => {
    const number = await ticketIn('quiet-pool');
    expect((await pull(t, 'z1')).body.ticket?.number).toBe(number);
    const id = await silentFor(number, 31 * 60_000);
    expect(await t.gateway.assignment.reassignIfSilent(id)).toMatchObject({ outcome: 'reassigned', toAgentId: null });
    expect(await get(number)).toMatchObject({ team: 'quiet-pool', assignee: null });
    expect(await t.gateway.assignment.reassignIfSilent(id)).toEqual({ outcome: 'unchanged' });
  });
});
