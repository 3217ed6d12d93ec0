/** `GET /healthz`: 200 when PostgreSQL and Redis answer, 503 otherwise. */
import type { RequestHandler } from 'express';
import type { Db } from '../db/prisma.js';
import type { Redis } from '../redis.js';

const TIMEOUT_MS = 2000;

export function healthHandler(db: Db, redis: Redis, channels: () => Record<string, unknown>, desks?: () => Record<string, unknown>): RequestHandler {
  return async (_req, res) => {
    const [database, cache] = await Promise.all([
      check(() => db.$queryRaw`SELECT 1`),
      check(() => redis.ping()),
    ]);
    const ok = database === 'ok' && cache === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', database, redis: cache, channels: channels(), ...(desks ? { desks: desks() } : {}) });
  };
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    clearTimeout(timer);
  }
}
