/**
 * The sweep of unused uploads, on real PostgreSQL: a file no message points at is deleted a day
 * after it was stored; a file a message uses, or one still within its day, is kept.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSweep, ORPHAN_AFTER_MS } from '../../src/core/fileSweep.js';
import { createLogger } from '../../src/logger.js';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false' });
});
afterAll(async () => {
  await t?.stop();
});

async function upload(body: string): Promise<string> {
  const res = await fetch(`${t.baseUrl}/api/v1/files?name=f.txt`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' }, body });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function storedAgo(id: string, ms: number): Promise<void> {
  await t.gateway.db.storedFile.update({ where: { id }, data: { createdAt: new Date(Date.now() - ms) } });
}

describe('FileSweep', () => {
  it('deletes a day-old upload no message uses, and keeps the used and the recent ones', async () => {
    const chatId = randomUUID();
    const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Olga' }, text: 'hello' });
    const { ticketNumber } = (await res.json()) as { ticketNumber: number };

    const used = await upload('in a reply');
    const unused = await upload('never sent');
    const recent = await upload('sent soon');
    expect((await t.api('POST', `/tickets/${ticketNumber}/messages`, { text: 'here', attachments: [{ fileId: used }] })).status).toBe(201);
    for (const id of [used, unused]) await storedAgo(id, ORPHAN_AFTER_MS + 3_600_000);
    await storedAgo(recent, ORPHAN_AFTER_MS - 3_600_000);

    const sweep = new FileSweep(t.gateway.db, createLogger('silent'), { intervalMs: 3_600_000 });
    expect(await sweep.sweep()).toBe(1);
    const left = await t.gateway.db.storedFile.findMany({ where: { id: { in: [used, unused, recent] } }, select: { id: true } });
    expect(left.map((f) => f.id).sort()).toEqual([used, recent].sort());
    // The message's file still downloads; a second sweep finds nothing more.
    expect((await fetch(`${t.baseUrl}/api/v1/files/${used}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    expect(await sweep.sweep()).toBe(0);
  });
});
