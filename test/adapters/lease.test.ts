/**
 * Pollers run on one instance at a time: the Redis lease on its own (real Redis), then two
 * Telegram adapters built as production builds them, sharing one Redis prefix, against the
 * emulator: one polls, the other stands by, and takes over when the first stops.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter, InboundSink } from '../../src/adapters/adapter.js';
import { RedisLease, STANDBY_DETAIL } from '../../src/adapters/lease.js';
import { createTelegramAdapter } from '../../src/adapters/telegram/index.js';
import type { InboundEdit, InboundMessage } from '../../src/core/model.js';
import { createLogger } from '../../src/logger.js';
import { createRedis, deleteKeysWithPrefix, type Redis } from '../../src/redis.js';
import { BOT_TOKEN, startTelegramEmulator, waitFor, type TelegramEmulator } from './telegram/emulator.js';

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(6).toString('hex')}`;
let redis: Redis;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  redis = createRedis(REDIS_URL);
});
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done().catch(() => undefined);
});
afterAll(async () => {
  redis.disconnect();
  await deleteKeysWithPrefix(REDIS_URL, prefix);
});

/** Records which hooks ran, and whether the work runs. */
function worker(lease: RedisLease) {
  const w = { running: false, acquired: 0, lost: [] as string[], standby: 0 };
  lease.start({
    onAcquired: () => {
      w.running = true;
      w.acquired++;
    },
    onLost: (reason) => {
      w.running = false;
      w.lost.push(reason);
    },
    onStandby: () => void w.standby++,
  });
  cleanup.push(() => lease.stop());
  return w;
}

describe('the Redis lease', () => {
  it('lets one holder run; a clean stop hands over at once', async () => {
    const key = `${prefix}:lease:a`;
    const a = worker(new RedisLease(redis, key, log, { ttlMs: 600 }));
    await waitFor(() => a.running, 2000, 'a to take the lease');
    const leaseB = new RedisLease(redis, key, log, { ttlMs: 600 });
    const b = worker(leaseB);
    await waitFor(() => b.standby > 2, 2000, 'b to stand by a few times');
    // a renews it: far past one ttl, it still holds the lease and b still waits.
    await new Promise((r) => setTimeout(r, 900));
    expect(a.running).toBe(true);
    expect(b.running).toBe(false);
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    expect(leaseB.isHeld).toBe(false);

    const handedAt = Date.now();
    await cleanup.shift()!(); // a stops: releases the lease
    expect(a.lost).toEqual(['stopping']);
    await waitFor(() => b.running, 2000, 'b to take over');
    // It retries every ttl/3, and the key is gone at once.
    expect(Date.now() - handedAt).toBeLessThan(600);
    expect(await redis.get(key)).toBe(leaseB.token);
  });

  it('takes over within about a ttl when the holder dies, and the old holder stops on finding it lost', async () => {
    const key = `${prefix}:lease:b`;
    const dying = createRedis(REDIS_URL);
    cleanup.push(async () => dying.disconnect());
    const a = worker(new RedisLease(dying, key, log, { ttlMs: 600 }));
    await waitFor(() => a.running, 2000, 'a to take the lease');
    const b = worker(new RedisLease(redis, key, log, { ttlMs: 600 }));
    await waitFor(() => b.standby > 0, 2000, 'b to stand by');

    // a's Redis goes away: it cannot renew, so it stops before its lease could have run out.
    const diedAt = Date.now();
    dying.disconnect();
    await waitFor(() => b.running, 3000, 'b to take over');
    expect(Date.now() - diedAt).toBeLessThan(1200);
    await waitFor(() => !a.running, 2000, 'a to stop');
    expect(a.lost).toEqual(['lost']);
  });

  it('stops the work when another instance holds the key (e.g. after a pause longer than the ttl)', async () => {
    const key = `${prefix}:lease:c`;
    const a = worker(new RedisLease(redis, key, log, { ttlMs: 900 }));
    await waitFor(() => a.running, 2000, 'a to take the lease');
    await redis.set(key, 'someone-else', 'PX', 5000);
    await waitFor(() => a.lost.length > 0, 2000, 'a to notice');
    expect(a.running).toBe(false);
    expect(a.lost).toEqual(['lost']);
    expect(await redis.get(key)).toBe('someone-else');
  });
});

class Sink implements InboundSink {
  messages: InboundMessage[] = [];
  async ingest(message: InboundMessage) {
    this.messages.push(message);
    return { ticketId: 't', ticketNumber: 1, conversationId: 'c', messageId: 'm', duplicate: false, ticketCreated: true };
  }
  async edit(_edit: InboundEdit) {
    return true;
  }
}

describe('Telegram long polling on two instances', () => {
  let tg: TelegramEmulator;
  beforeAll(async () => {
    tg = await startTelegramEmulator();
  });
  afterAll(async () => {
    await tg?.close();
  });

  function instance(sink: Sink): ChannelAdapter {
    const adapter = createTelegramAdapter({
      config: {
        TELEGRAM_BOT_TOKEN: BOT_TOKEN,
        TELEGRAM_API_ROOT: tg.apiRoot,
        TELEGRAM_WEBHOOK_URL: undefined,
        TELEGRAM_WEBHOOK_SECRET: undefined,
        APP_SECRET: undefined,
        OUTBOUND_TIMEOUT_MS: 2000,
        REDIS_PREFIX: prefix,
        POLLER_LEASE_TTL_MS: 900,
      },
      sink,
      db: null as never,
      desk: { categories: [] },
      log,
      redis,
    });
    cleanup.push(() => adapter.stop());
    return adapter;
  }

  it('one polls, the other stands by (and says so), and takes over when the first stops', async () => {
    const sinkA = new Sink();
    const sinkB = new Sink();
    const a = instance(sinkA);
    await a.start();
    await waitFor(() => a.status().state === 'connected' && a.status().detail === 'long polling, @TestNameBot', 5000, 'a polling');
    const b = instance(sinkB);
    await b.start();
    await waitFor(() => b.status().detail?.startsWith(STANDBY_DETAIL), 5000, 'b on standby');
    expect(b.status()).toMatchObject({ state: 'connected', detail: `${STANDBY_DETAIL}, @TestNameBot` });
    expect(await redis.get(`${prefix}:lease:telegram`)).toBeTruthy();

    // Only a's poller runs: no getUpdates ever answered 409, and the customer's messages go through a.
    const user = tg.user({ chatId: 881_001 });
    await user.say('first');
    await waitFor(() => sinkA.messages.length === 1, 5000, 'a to take the message');
    await new Promise((r) => setTimeout(r, 1200)); // past the lease's ttl: a keeps it
    expect(sinkB.messages).toHaveLength(0);
    expect(b.status().detail).toBe(`${STANDBY_DETAIL}, @TestNameBot`);
    expect(tg.calls.filter((c) => c.method === 'getUpdates' && c.status === 409)).toHaveLength(0);

    // a stops (a deploy, a crash): b takes over and polls.
    await cleanup.shift()!();
    await waitFor(() => b.status().detail === 'long polling, @TestNameBot', 3000, 'b to take over');
    await user.say('second');
    await waitFor(() => sinkB.messages.length === 1, 5000, 'b to take the message');
    expect(sinkB.messages.map((m) => m.text)).toEqual(['second']);
    expect(sinkA.messages.map((m) => m.text)).toEqual(['first']);
  });
});
