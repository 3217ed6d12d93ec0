/**
 * Saved views, ticket merge and contact linking, through the REST API on a real gateway.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface TicketJson {
  number: number;
  status: string;
  priority: string;
  tags: string[];
  contact: { id: string; name: string | null };
  messages: Array<{ text: string; author: { kind: string } }>;
  events: Array<{ type: string; data: Record<string, unknown> }>;
}

let t: TestGateway;
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false' });
});

afterAll(async () => {
  await t?.stop();
});

async function ok<T>(res: Response, status = 200): Promise<T> {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return (body ? JSON.parse(body) : undefined) as T;
}

/** A new ticket from a new API-channel customer (or from `from`, an existing one, in a new chat). */
async function newTicket(text: string, from = `u-${randomUUID()}`): Promise<number> {
  const res = await t.inbound({ chatId: randomUUID(), messageId: randomUUID(), from: { id: from, name: 'Olga' }, text });
  return (await ok<{ ticketNumber: number }>(res, 202)).ticketNumber;
}

const ticket = async (n: number) => ok<TicketJson>(await t.api('GET', `/tickets/${n}`));

describe('saved views', () => {
  it('stores a view and lists its tickets with its filters and sort', async () => {
    const tag = `view-${run}`;
    const [low, urgent, high, other] = [await newTicket('a'), await newTicket('b'), await newTicket('c'), await newTicket('d')];
    await ok(await t.api('PATCH', `/tickets/${low}`, { priority: 'low', tags: [tag, 'vip'] }));
    await ok(await t.api('PATCH', `/tickets/${urgent}`, { priority: 'urgent', tags: [tag, 'vip'] }));
    await ok(await t.api('PATCH', `/tickets/${high}`, { priority: 'high', tags: [tag, 'vip'] }));
    await ok(await t.api('PATCH', `/tickets/${other}`, { priority: 'urgent', tags: [tag] }));

    const created = await ok<{ id: string; sort: string }>(
      await t.api('POST', '/views', { name: `VIP ${run}`, filters: { tags: [tag, 'vip'], status: ['new', 'open'], overdue: false } }),
      201,
    );
    expect(created.sort).toBe('-priority');
    const listed = await ok<{ tickets: Array<{ number: number }>; total: number }>(await t.api('GET', `/views/${created.id}/tickets`));
    expect(listed.tickets.map((x) => x.number)).toEqual([urgent, high, low]);
    expect(listed.total).toBe(3);

    // Age order: the longest-waiting first.
    await ok(await t.api('PUT', `/views/${created.id}`, { name: `VIP ${run}`, filters: { tags: [tag, 'vip'] }, sort: 'age' }));
    const byAge = await ok<{ tickets: Array<{ number: number }> }>(await t.api('GET', `/views/${created.id}/tickets`));
    expect(byAge.tickets.map((x) => x.number)).toEqual([low, urgent, high]);

    const all = await ok<{ views: Array<{ name: string }> }>(await t.api('GET', '/views'));
    expect(all.views.map((v) => v.name)).toContain(`VIP ${run}`);
    await ok(await t.api('DELETE', `/views/${created.id}`), 204);
    expect((await t.api('GET', `/views/${created.id}`)).status).toBe(404);
  });

  it('refuses an unknown filter, a bad sort and a duplicate name, naming the field', async () => {
    const bad = await t.api('POST', '/views', { name: 'x', filters: { colour: 'red' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/colour/);
    const badSort = await t.api('POST', '/views', { name: 'y', sort: 'mood' });
    expect(((await badSort.json()) as { field: string }).field).toBe('sort');
    await ok(await t.api('POST', '/views', { name: `dup ${run}` }), 201);
    expect((await t.api('POST', '/views', { name: `dup ${run}` })).status).toBe(409);
  });

  it('a name is one whatever its case, and PATCH changes only what it is given', async () => {
    const created = await ok<{ id: string }>(await t.api('POST', '/views', { name: `Late ${run}`, filters: { tags: ['late'] }, sort: 'age' }), 201);
    const clash = await t.api('POST', '/views', { name: `LATE ${run}` });
    expect(clash.status).toBe(409);
    expect((await clash.json()) as { field: string }).toMatchObject({ field: 'name' });
    const other = await ok<{ id: string }>(await t.api('POST', '/views', { name: `Other ${run}` }), 201);
    expect((await t.api('PUT', `/views/${other.id}`, { name: `late ${run}` })).status).toBe(409);
    expect((await t.api('PATCH', `/views/${other.id}`, { name: `late ${run}` })).status).toBe(409);
    // A view may change the case of its own name.
    await ok(await t.api('PATCH', `/views/${created.id}`, { name: `LATE ${run}` }));

    // Someone renames the view; another saves new filters into it: the name stays.
    await ok(await t.api('PATCH', `/views/${created.id}`, { name: `Late parcels ${run}` }));
    const patched = await ok<{ name: string; filters: Record<string, unknown>; sort: string }>(
      await t.api('PATCH', `/views/${created.id}`, { filters: { tags: ['late', 'vip'] }, sort: '-priority' }),
    );
    expect(patched).toMatchObject({ name: `Late parcels ${run}`, filters: { tags: ['late', 'vip'] }, sort: '-priority' });
    const empty = await t.api('PATCH', `/views/${created.id}`, {});
    expect(empty.status).toBe(400);
    expect((await t.api('PATCH', `/views/${created.id}`, { colour: 'red' })).status).toBe(400);
    expect((await t.api('PATCH', `/views/${randomUUID()}`, { sort: 'age' })).status).toBe(404);
  });

  it('filters the ticket list by overdue and several tags, and sorts by deadline', async () => {
    const tag = `dl-${run}`;
    const a = await newTicket('a');
    const b = await newTicket('b');
    await ok(await t.api('PATCH', `/tickets/${a}`, { tags: [tag, 'x'], priority: 'low' }));
    await ok(await t.api('PATCH', `/tickets/${b}`, { tags: [tag, 'x'], priority: 'urgent' }));
    await t.gateway.db.ticket.update({ where: { number: a }, data: { overdue: true } });
    const overdue = await ok<{ tickets: Array<{ number: number }> }>(await t.api('GET', `/tickets?tags=${tag},x&overdue=true`));
    expect(overdue.tickets.map((x) => x.number)).toEqual([a]);
    // The urgent ticket's first response is due sooner (sample SLA: 1h against 8h business time).
    const byDeadline = await ok<{ tickets: Array<{ number: number }> }>(await t.api('GET', `/tickets?tags=${tag}&sort=deadline`));
    expect(byDeadline.tickets.map((x) => x.number)).toEqual([b, a]);
  });
});

describe('merging tickets and linking contacts', () => {
  it('merges a ticket into another of the same customer: messages move, the source closes', async () => {
    const customer = `u-${randomUUID()}`;
    const first = await newTicket('My parcel is late', customer);
    await ok(await t.api('PATCH', `/tickets/${first}`, { status: 'resolved', tags: ['late'] }));
    const second = await newTicket('Still no parcel', customer);
    await ok(await t.api('PATCH', `/tickets/${second}`, { tags: ['parcel'] }));

    // The source holds the customer's message and the "resolved" notice the customer was sent.
    const before = await ticket(first);
    expect(before.messages.map((m) => m.author.kind)).toEqual(['customer', 'system']);

    const merged = await ok<{ movedMessages: number; ticket: { tags: string[] } }>(await t.api('POST', `/tickets/${first}/merge`, { into: second }));
    expect(merged.movedMessages).toBe(2);
    expect(merged.ticket.tags).toEqual(['late', 'parcel']);
    const target = await ticket(second);
    const customerTexts = target.messages.filter((m) => m.author.kind === 'customer').map((m) => m.text);
    expect(customerTexts).toEqual(['My parcel is late', 'Still no parcel']);
    expect(target.messages).toHaveLength(3);
    expect(target.events.find((e) => e.type === 'merged_from')?.data).toMatchObject({ from: first, messages: 2 });
    const source = await ticket(first);
    expect(source.status).toBe('closed');
    expect(source.messages).toEqual([]);
    expect(source.events.find((e) => e.type === 'merged_into')?.data).toMatchObject({ into: second });

    // A second merge of the same source, a merge into itself and one across customers are refused.
    expect((await t.api('POST', `/tickets/${first}/merge`, { into: second })).status).toBe(400);
    expect((await t.api('POST', `/tickets/${second}/merge`, { into: second })).status).toBe(400);
    const stranger = await newTicket('other person');
    const across = await t.api('POST', `/tickets/${stranger}/merge`, { into: second });
    expect(across.status).toBe(400);
    expect(((await across.json()) as { message: string }).message).toMatch(/different customers/);
    expect((await t.api('POST', `/tickets/${stranger}/merge`, { into: 999_999 })).status).toBe(404);
  });

  it('links two contacts into one: identities and tickets move, then their tickets can merge', async () => {
    const fromB = `u-${randomUUID()}`;
    const a = await newTicket('Hi from the widget');
    const b = await newTicket('Hi from Telegram', fromB);
    const [ta, tb] = [await ticket(a), await ticket(b)];
    await t.gateway.db.contact.update({ where: { id: tb.contact.id }, data: { email: 'olga@example.com', tags: ['b2b'], attributes: { vip: true } } });

    const linked = await ok<{ id: string; email: string; tags: string[]; attributes: Record<string, unknown>; identities: unknown[]; tickets: Array<{ number: number }> }>(
      await t.api('POST', `/contacts/${ta.contact.id}/link`, { contactId: tb.contact.id }),
    );
    expect(linked).toMatchObject({ id: ta.contact.id, email: 'olga@example.com', tags: ['b2b'], attributes: { vip: true } });
    expect(linked.identities).toHaveLength(2);
    expect(linked.tickets.map((x) => x.number).sort()).toEqual([a, b].sort());
    expect((await t.api('GET', `/contacts/${tb.contact.id}`)).status).toBe(404);
    expect((await ticket(b)).contact.id).toBe(ta.contact.id);
    await ok(await t.api('POST', `/tickets/${b}/merge`, { into: a }));

    // The customer writing again from the linked identity reaches the kept contact.
    const again = await newTicket('me again', fromB);
    expect((await ticket(again)).contact.id).toBe(ta.contact.id);
    const search = await ok<{ contacts: Array<{ id: string }> }>(await t.api('GET', '/contacts?q=olga@example'));
    expect(search.contacts.map((c) => c.id)).toEqual([ta.contact.id]);
    expect((await t.api('POST', `/contacts/${ta.contact.id}/link`, { contactId: ta.contact.id })).status).toBe(400);
  });
});
