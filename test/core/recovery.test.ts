/**
 * PostgreSQL is the truth, Redis can be rebuilt: after FLUSHALL (and after a restart), every
 * reply that was committed but not delivered still arrives, exactly once.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneDatabase, dropDatabase } from '../support/db.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redisServer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

let redis: PrivateRedis;
let hook: WebhookReceiver;
let databaseUrl: string;
beforeAll(async () => {
  redis = await startPrivateRedis();
  hook = await startWebhookReceiver(API_SECRET);
  databaseUrl = await cloneDatabase(inject('templateDb'), inject('runId'));
});
afterAll(async () => {
  await redis?.stop();
  await hook?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

function gatewayEnv(): Record<string, string> {
  // Slow retries: a job lost with Redis would otherwise never come back by itself.
  return { API_CHANNEL_WEBHOOK_URL: hook.url, DELIVERY_BACKOFF_MS: '60000', DELIVERY_MAX_BACKOFF_MS: '60000' };
}

async function replyWhileDown(t: TestGateway, text: string): Promise<string> {
  const chatId = randomUUID();
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId }, text: 'hi' });
  const { ticketNumber } = (await res.json()) as { ticketNumber: number };
  const sent = await t.api('POST', `/tickets/${ticketNumber}/messages`, { text });
  return ((await sent.json()) as { messageId: string }).messageId;
}

describe('recovery after Redis loses its queues', () => {
  it('delivers committed replies after FLUSHALL, once each', async () => {
    const t = await startTestGateway(gatewayEnv(), { databaseUrl, redisUrl: redis.url });
    try {
      hook.failAlways(503); // the platform is down: the replies wait in the delayed set
      const ids = [await replyWhileDown(t, 'one'), await replyWhileDown(t, 'two'), await replyWhileDown(t, 'three')];
      await eventually(() => hook.attempts.length >= 3, 5000, 'first attempts');
      await redis.flushAll();
      hook.failAlways(null); // the platform is back
      await eventually(() => ids.every((id) => hook.received.some((r) => r.body.messageId === id)), 10_000, 'all replies after FLUSHALL');
      await new Promise((r) => setTimeout(r, 1500)); // several more sweeps: still nothing twice
      for (const id of ids) expect(hook.received.filter((r) => r.body.messageId === id)).toHaveLength(1);
    } finally {
      await t.stop();
    }
  });

  it('delivers replies committed before a restart that lost Redis', async () => {
    hook.received.length = 0;
    const first = await startTestGateway(gatewayEnv(), { databaseUrl, redisUrl: redis.url });
    hook.failAlways(503);
    const id = await replyWhileDown(first, 'before restart');
    await first.stop();
    await redis.flushAll();
    hook.failAlways(null);
    const second = await startTestGateway(gatewayEnv(), { databaseUrl, redisUrl: redis.url });
    try {
      const got = await eventually(() => hook.received.find((r) => r.body.messageId === id), 10_000, 'reply after restart');
      expect(got.body.text).toBe('before restart');
    } finally {
      await second.stop();
    }
  });
});
