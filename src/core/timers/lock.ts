/**
 * A short Redis lock per ticket, so that two instances (or a listener and the worker) planning the
 * same ticket at once apply their plans one after the other: each reads PostgreSQL under the
 * lock, so the last one to apply has seen the newest state, and an older plan can never remove a
 * job a newer one added.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from '../../redis.js';

/** Deletes the key only if it still holds our token (the lock may have expired and been retaken). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const RETRY_MS = 25;

/**
 * Runs `work` holding `key`. The lock expires after `ttlMs` (an instance that died holding it
 * blocks nobody for long); a caller that waited that long runs anyway, since planning late is
 * worse than the rare overlap it risks.
 */
export async function withRedisLock<T>(redis: Redis, key: string, ttlMs: number, work: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + ttlMs;
  const take = async () => (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
  let held = await take();
  while (!held && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    held = await take();
  }
  try {
    return await work();
  } finally {
    if (held) await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}
