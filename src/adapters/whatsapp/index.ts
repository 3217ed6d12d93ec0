/**
 * The WhatsApp channel from the configuration: `createWhatsAppAdapter(deps)`, one line in
 * src/adapters/index.ts. whatsapp-web.js with a LocalAuth session in WHATSAPP_SESSION_DIR, in
 * the Chromium at CHROMIUM_PATH; off (and saying so) unless WHATSAPP_ENABLED=true.
 */
import path from 'node:path';
import type { RequestHandler } from 'express';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { InboundSink } from '../adapter.js';
import { RedisLease } from '../lease.js';
import type { Redis } from '../../redis.js';
import { WhatsAppAdapter, type WhatsAppAdapterOptions } from './adapter.js';
import { loadRealDriver } from './driver.js';
import { fileLoader, type StoredFiles } from './files.js';

export { WhatsAppAdapter, type WhatsAppAdapterOptions } from './adapter.js';
export type { WhatsAppClient, WhatsAppDriver, WhatsAppMessage } from './client.js';
export { QR_ROUTE } from './routes.js';

export type WhatsAppConfig = Pick<Config, 'WHATSAPP_ENABLED' | 'WHATSAPP_SESSION_DIR' | 'CHROMIUM_PATH' | 'DATA_DIR' | 'OUTBOUND_TIMEOUT_MS'> &
  Partial<Pick<Config, 'REDIS_PREFIX' | 'POLLER_LEASE_TTL_MS'>>;

export interface WhatsAppDeps {
  config: WhatsAppConfig;
  sink: InboundSink;
  log: Logger;
  /** Guards the QR route with the REST API's bearer token. */
  requireAdmin: RequestHandler;
  /** The core's file store: the files agents attach are sent from it. */
  files?: StoredFiles;
  /** Holds the session lease (`REDIS_PREFIX:lease:whatsapp`): one instance of several runs the browser. */
  redis?: Redis;
}

/** Where the session lives: WHATSAPP_SESSION_DIR, or `whatsapp` inside DATA_DIR. */
export function whatsappSessionDir(config: Pick<Config, 'WHATSAPP_SESSION_DIR' | 'DATA_DIR'>): string {
  return path.resolve(config.WHATSAPP_SESSION_DIR ?? path.join(config.DATA_DIR, 'whatsapp'));
}

/**
 * The adapter as production runs it. `overrides` are for tests: they swap the driver (the real
 * whatsapp-web.js) for a fake, and shorten timings; everything else is the production path.
 */
export function createWhatsAppAdapter(deps: WhatsAppDeps, overrides: Partial<Pick<WhatsAppAdapterOptions, 'driver' | 'reconnect' | 'send' | 'ingestRetry' | 'printQr'>> = {}): WhatsAppAdapter {
  const { config } = deps;
  const lease =
    deps.redis && config.WHATSAPP_ENABLED
      ? new RedisLease(deps.redis, `${config.REDIS_PREFIX ?? 'omnidesk'}:lease:whatsapp`, deps.log.child({ channel: 'whatsapp' }), {
          ...(config.POLLER_LEASE_TTL_MS !== undefined ? { ttlMs: config.POLLER_LEASE_TTL_MS } : {}),
        })
      : undefined;
  return new WhatsAppAdapter({
    ...(lease ? { lease } : {}),
    enabled: config.WHATSAPP_ENABLED,
    driver: () => loadRealDriver({ sessionDir: whatsappSessionDir(config), chromiumPath: config.CHROMIUM_PATH }),
    sink: deps.sink,
    log: deps.log.child({ channel: 'whatsapp' }),
    requireAdmin: deps.requireAdmin,
    loadFile: fileLoader({ ...(deps.files ? { files: deps.files } : {}), timeoutMs: config.OUTBOUND_TIMEOUT_MS }),
    ...overrides,
  });
}
