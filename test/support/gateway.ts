/**
 * Starts a whole gateway for a test file: its own database (cloned from the run's template),
 * its own Redis key prefix, a free port, and fast delivery retries.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/app.js';
import { sign } from '../../src/signature.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { deleteKeysWithPrefix } from '../../src/redis.js';
import { cloneDatabase, dropDatabase } from './db.js';

export const API_SECRET = 'test-api-channel-secret';
export const ADMIN_TOKEN = 'test-admin-token';

export interface TestGateway {
  gateway: Gateway;
  baseUrl: string;
  databaseUrl: string;
  redisPrefix: string;
  /** POSTs a signed message to the API channel. */
  inbound(body: Record<string, unknown>): Promise<Response>;
  /** Calls the agent REST API with the admin token. */
  api(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * `databaseUrl` and `redisPrefix` let a second instance share the first one's database and
 * queues (the first one's `stop` cleans them up); `adapters` plugs in fake channel adapters;
 * `logger` captures the gateway's log lines.
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  opts: { databaseUrl?: string; redisUrl?: string; redisPrefix?: string; adapters?: GatewayOptions['adapters']; desks?: GatewayOptions['desks']; logger?: Logger } = {},
): Promise<TestGateway> {
  const databaseUrl = opts.databaseUrl ?? (await cloneDatabase(inject('templateDb'), inject('runId')));
  const redisPrefix = opts.redisPrefix ?? `test:${randomBytes(6).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: redisPrefix,
    ADMIN_TOKEN,
    APP_SECRET: 'test-app-secret',
    API_CHANNEL_SECRET: API_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DELIVERY_BACKOFF_MS: '50',
    DELIVERY_MAX_BACKOFF_MS: '400',
    DELIVERY_MAX_ATTEMPTS: '4',
    DELIVERY_SWEEP_INTERVAL_MS: '500',
    DELIVERY_SWEEP_GRACE_MS: '300',
    // Categories, calendars and SLA only: tests of teams, routing, automation or timers pass their own DESK_CONFIG.
    DESK_CONFIG: 'test/fixtures/desk-basic.yaml',
    ...env,
  });
  const gateway = await createGateway(config, opts.logger ?? createLogger(config.LOG_LEVEL), { ...(opts.adapters ? { adapters: opts.adapters } : {}), ...(opts.desks ? { desks: opts.desks } : {}) });
  const port = await gateway.start(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    gateway,
    baseUrl,
    databaseUrl,
    redisPrefix,
    inbound: (body) => {
      const raw = JSON.stringify(body);
      return fetch(`${baseUrl}/api/v1/inbound`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sign(API_SECRET, raw) }, body: raw });
    },
    api: (method, path, body) =>
      fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    async stop() {
      await gateway.stop();
      if (!opts.redisPrefix) await deleteKeysWithPrefix(config.REDIS_URL, redisPrefix).catch(() => undefined);
      if (!opts.databaseUrl) await dropDatabase(databaseUrl);
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
