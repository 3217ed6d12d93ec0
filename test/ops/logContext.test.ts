/**
 * The correlation ids' way through the gateway: the logger adds the ids of the work in progress
 * to every line, event listeners inherit them, and a delivery job stores the request's id so
 * the worker (in another async flow, maybe another instance) logs with it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DeliveryQueue } from '../../src/core/delivery/queue.js';
import { EventBus } from '../../src/core/events.js';
import { createLogger } from '../../src/logger.js';
import { logContext, withLogContext, withMessageContext } from '../../src/observability/logContext.js';
import { createRedis, deleteKeysWithPrefix } from '../../src/redis.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(6).toString('hex')}`;

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

afterAll(async () => {
  await deleteKeysWithPrefix(REDIS_URL, prefix);
});

describe('log context', () => {
  it('puts the ids of the work in progress on every line, and none outside it', async () => {
    const { log, lines } = capture();
    log.info('outside');
    await withLogContext({ reqId: 'r-1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.info('after an await');
    });
    expect(lines[0]).not.toHaveProperty('reqId');
    expect(lines[1]).toMatchObject({ msg: 'after an await', reqId: 'r-1' });
  });

  it('names a message handled outside any request after it, and keeps a request id when there is one', () => {
    expect(withMessageContext({ channel: 'telegram', messageId: '4711' }, () => logContext().reqId)).toBe('telegram:4711');
    expect(withLogContext({ reqId: 'req-9' }, () => withMessageContext({ channel: 'api', messageId: 'm-1' }, () => logContext().reqId))).toBe('req-9');
  });

  it('follows a domain event into its listeners', async () => {
    const { log, lines } = capture();
    const events = new EventBus(log);
    events.on('message.delivered', (e) => log.info({ messageId: e.messageId }, 'listener ran'));
    withLogContext({ reqId: 'r-events' }, () => events.publish('message.delivered', { messageId: 'm-5', channel: 'api' }));
    await events.idle();
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'listener ran', reqId: 'r-events', messageId: 'm-5' }));
  });

  it('is stored on the delivery job queued while handling a request', async () => {
    const redis = createRedis(REDIS_URL);
    const queue = new DeliveryQueue(redis, { prefix, maxAttempts: 1 });
    try {
      await queue.queue.pause();
      await withLogContext({ reqId: 'agent-req-3' }, () => queue.enqueue(['m-ctx']));
      await queue.enqueue(['m-plain']);
      expect((await queue.queue.getJob('m-ctx'))?.data).toEqual({ messageId: 'm-ctx', reqId: 'agent-req-3' });
      expect((await queue.queue.getJob('m-plain'))?.data).toEqual({ messageId: 'm-plain' });
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
