/** Redis connections: BullMQ wants its own connections with unlimited retries per request. */
import { Redis, type RedisOptions } from 'ioredis';

export { Redis };

export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

/** One quick PING with no retries: used at start to fail fast with a clear message. */
export async function probeRedis(url: string, timeoutMs = 3000): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix:` (a test run's or a benchmark's namespace). */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<void> {
  const redis = createRedis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
