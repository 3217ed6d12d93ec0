/**
 * Planning after a burst of events, on real PostgreSQL, Redis and BullMQ: the events of one change
 * to a ticket (created, routed, assigned, answered) are planned once, not once each.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimerQueue } from '../../src/core/timers/queue.js';
import type { Db } from '../../src/db/prisma.js';
import { createLogger } from '../../src/logger.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false' });
});
afterAll(async () => {
  await t?.stop();
});

/** The gateway's real database, counting the planner's reads (one raw statement per plan). */
function counting(db: Db): { db: Db; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === '$queryRaw') {
        return (...args: Parameters<Db['$queryRaw']>) => {
          reads++;
          return target.$queryRaw(...args);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { db: proxy, reads: () => reads };
}

describe('TimerQueue.schedule', () => {
  it('plans a burst of requests once when told to let it settle, and once per request otherwise', async () => {
    const chatId = randomUUID();
    const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Olga' }, text: 'Where is my order?' });
    const { ticketNumber } = (await res.json()) as { ticketNumber: number };
    const { id } = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: ticketNumber }, select: { id: true } });
    const { db, reads } = counting(t.gateway.db);
    const queue = new TimerQueue(t.gateway.redis.queue, db, t.gateway.settings, createLogger('silent'), {
      prefix: `${t.redisPrefix}:settle-bull`,
      keyPrefix: `${t.redisPrefix}:settle`,
      context: () => ({ botHandles: false }),
    });
    try {
      // Five events about the ticket at once (as a new ticket's created, routed, assigned … come):
      // the settled first run takes them all.
      await Promise.all(Array.from({ length: 5 }, () => queue.schedule(id, { settleMs: 50 })));
      expect(reads()).toBe(1);

      // Without settling, the first request runs at once and the others get one more run after it.
      const before = reads();
      await Promise.all(Array.from({ length: 5 }, () => queue.schedule(id)));
      expect(reads() - before).toBe(2);
    } finally {
      await queue.close();
    }
  });
});
