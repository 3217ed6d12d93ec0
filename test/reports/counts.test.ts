/**
 * The per-ticket counts behind deflection and handoff (src/reports/counts.ts): PostgreSQL keeps
 * them through the app's own writes (replies, notes, merges), through raw SQL (bot turns, moves,
 * deletes), under concurrent writers, and the rebuild agrees with them and repairs a wrong one.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/prisma.js';
import { EXPECTED_COUNTS, rebuildTicketCounts } from '../../src/reports/counts.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let sql: pg.Client;
let db: Db;

beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false' });
  sql = new pg.Client({ connectionString: t.databaseUrl });
  await sql.connect();
  db = createDb(t.databaseUrl, 2);
});
afterAll(async () => {
  await sql?.end();
  await db?.$disconnect();
  await t?.stop();
});

async function ok<T>(res: Response, status = 200): Promise<T> {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return (body ? JSON.parse(body) : undefined) as T;
}

/** A new ticket from the API channel (a new chat of `from`): its number and id. */
async function newTicket(text: string, from = `u-${randomUUID()}`): Promise<{ number: number; id: string }> {
  const { ticketNumber } = await ok<{ ticketNumber: number }>(await t.inbound({ chatId: randomUUID(), messageId: randomUUID(), from: { id: from, name: 'Olga' }, text }), 202);
  const row = await sql.query<{ id: string }>(`SELECT "id" FROM "Ticket" WHERE "number" = $1`, [ticketNumber]);
  return { number: ticketNumber, id: row.rows[0]!.id };
}

interface Counts {
  humanMessages: number;
  deflectedTurns: number;
  handoffTurns: number;
}

async function counts(id: string): Promise<Counts> {
  const row = await sql.query<Counts>(`SELECT "humanMessages", "deflectedTurns", "handoffTurns" FROM "Ticket" WHERE "id" = $1`, [id]);
  return row.rows[0]!;
}

/** Tickets whose kept counts differ from a recount of their messages and turns. */
async function drift(): Promise<number> {
  const e = await db.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS "n" FROM "Ticket" t JOIN (${EXPECTED_COUNTS}) c ON c."id" = t."id"
    WHERE (t."humanMessages", t."deflectedTurns", t."handoffTurns") IS DISTINCT FROM (c."humanMessages", c."deflectedTurns", c."handoffTurns")`;
  return e[0]?.n ?? -1;
}

/** A bot turn of `action` on the ticket's first customer message (the bot is off in these tests, so written directly). */
async function botTurn(ticketId: string, action: string): Promise<void> {
  const asked = await sql.query<{ id: string }>(
    `INSERT INTO "Message" ("id", "conversationId", "ticketId", "channel", "direction", "authorKind", "text")
     SELECT gen_random_uuid(), "conversationId", "id", "channel", 'inbound', 'customer', 'help' FROM "Ticket" WHERE "id" = $1 RETURNING "id"`,
    [ticketId],
  );
  await sql.query(`INSERT INTO "BotTurn" ("messageId", "ticketId", "action", "lang") VALUES ($1, $2, $3, 'en')`, [asked.rows[0]!.id, ticketId, action]);
}

describe('ticket counts for the reports', () => {
  it('follow replies, notes and a merge made through the API', async () => {
    const customer = `u-${randomUUID()}`;
    const a = await newTicket('My parcel is late', customer);
    const b = await newTicket('Still no parcel', customer);
    expect(await counts(a.id)).toEqual({ humanMessages: 0, deflectedTurns: 0, handoffTurns: 0 });

    await ok(await t.api('POST', `/tickets/${a.number}/messages`, { text: 'Looking into it' }), 201);
    await ok(await t.api('POST', `/tickets/${a.number}/messages`, { text: 'courier called', internal: true }), 201);
    // A customer's message is not a person's reply.
    await ok(await t.inbound({ chatId: randomUUID(), messageId: randomUUID(), from: { id: customer, name: 'Olga' }, text: 'thanks' }), 202);
    expect((await counts(a.id)).humanMessages).toBe(2);

    await ok(await t.api('POST', `/tickets/${a.number}/merge`, { into: b.number }));
    expect((await counts(a.id)).humanMessages).toBe(0);
    expect((await counts(b.id)).humanMessages).toBe(2);
    expect(await drift()).toBe(0);
  });

  it('follow bot turns, moved and deleted rows written by anyone', async () => {
    const x = await newTicket('Where is my refund?');
    const y = await newTicket('How do I pay?');
    await botTurn(x.id, 'deflected');
    await botTurn(x.id, 'handoff');
    await botTurn(x.id, 'answer');
    await botTurn(y.id, 'handoff');
    expect(await counts(x.id)).toEqual({ humanMessages: 0, deflectedTurns: 1, handoffTurns: 1 });
    expect(await counts(y.id)).toEqual({ humanMessages: 0, deflectedTurns: 0, handoffTurns: 1 });

    // A turn moved to another ticket and one changed in place.
    await sql.query(`UPDATE "BotTurn" SET "ticketId" = $2 WHERE "ticketId" = $1 AND "action" = 'deflected'`, [x.id, y.id]);
    await sql.query(`UPDATE "BotTurn" SET "action" = 'deflected' WHERE "ticketId" = $1 AND "action" = 'answer'`, [x.id]);
    expect(await counts(x.id)).toEqual({ humanMessages: 0, deflectedTurns: 1, handoffTurns: 1 });
    expect(await counts(y.id)).toEqual({ humanMessages: 0, deflectedTurns: 1, handoffTurns: 1 });

    // A note turned into a customer message, a reply deleted, a reply whose ticket is deleted (its ticketId becomes null).
    await ok(await t.api('POST', `/tickets/${x.number}/messages`, { text: 'note', internal: true }), 201);
    await ok(await t.api('POST', `/tickets/${x.number}/messages`, { text: 'reply' }), 201);
    await ok(await t.api('POST', `/tickets/${y.number}/messages`, { text: 'reply' }), 201);
    expect((await counts(x.id)).humanMessages).toBe(2);
    await sql.query(`UPDATE "Message" SET "authorKind" = 'customer' WHERE "ticketId" = $1 AND "authorKind" = 'note'`, [x.id]);
    expect((await counts(x.id)).humanMessages).toBe(1);
    await sql.query(`DELETE FROM "BotTurn" WHERE "ticketId" = $1 AND "action" = 'handoff'`, [x.id]);
    await sql.query(`DELETE FROM "Message" WHERE "ticketId" = $1 AND "authorKind" = 'agent'`, [x.id]);
    expect(await counts(x.id)).toEqual({ humanMessages: 0, deflectedTurns: 1, handoffTurns: 0 });
    expect(await drift()).toBe(0);
  });

  it('lose nothing when many agents reply to one ticket at once', async () => {
    const z = await newTicket('Urgent!');
    await Promise.all(Array.from({ length: 12 }, async (_, i) => ok(await t.api('POST', `/tickets/${z.number}/messages`, { text: `reply ${i}`, internal: i % 2 === 0 }), 201)));
    // Raw writers on their own connections, concurrently with each other.
    const writers = await Promise.all(Array.from({ length: 4 }, async () => {
      const c = new pg.Client({ connectionString: t.databaseUrl });
      await c.connect();
      return c;
    }));
    try {
      await Promise.all(writers.map((c, i) =>
        c.query(
          `INSERT INTO "Message" ("id", "conversationId", "ticketId", "channel", "direction", "authorKind", "text")
           SELECT gen_random_uuid(), "conversationId", "id", "channel", 'outbound', 'agent', 'bulk ' || $2 || '-' || k FROM "Ticket", generate_series(1, 5) k WHERE "id" = $1`,
          [z.id, i],
        ),
      ));
    } finally {
      await Promise.all(writers.map((c) => c.end()));
    }
    expect((await counts(z.id)).humanMessages).toBe(12 + 4 * 5);
    expect(await drift()).toBe(0);
  });

  it('are rebuilt from the messages and bot turns', async () => {
    const w = await newTicket('Rebuild me');
    await botTurn(w.id, 'handoff');
    expect(await rebuildTicketCounts(db)).toBe(0);
    // Counts gone wrong (written by hand, or by a bulk load with triggers off) are put right.
    await sql.query(`UPDATE "Ticket" SET "handoffTurns" = 7, "humanMessages" = 3 WHERE "id" = $1`, [w.id]);
    expect(await drift()).toBe(1);
    expect(await rebuildTicketCounts(db)).toBe(1);
    expect(await counts(w.id)).toEqual({ humanMessages: 0, deflectedTurns: 0, handoffTurns: 1 });
    expect(await drift()).toBe(0);
  });

  it('move the deflection report as soon as a person writes', async () => {
    const v = await newTicket('Can I change my address?');
    await botTurn(v.id, 'deflected');
    await ok(await t.api('PATCH', `/tickets/${v.number}`, { status: 'resolved' }));
    const range = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    const deflected = async () => (await ok<{ deflection: { deflected: number } }>(await t.api('GET', `/reports/summary?${range}`))).deflection.deflected;
    const before = await deflected();
    expect(before).toBeGreaterThanOrEqual(1);
    await ok(await t.api('POST', `/tickets/${v.number}/messages`, { text: 'checked by a person', internal: true }), 201);
    expect(await deflected()).toBe(before - 1);
  });
});
