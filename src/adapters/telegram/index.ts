/**
 * The Telegram channel from the configuration: `createTelegramAdapter(deps)`, one line in
 * src/adapters/index.ts. Without TELEGRAM_BOT_TOKEN the channel is off (and says so in its
 * status); with TELEGRAM_WEBHOOK_URL it runs in webhook mode, else long polling.
 */
import type { Config } from '../../config.js';
import { PermanentDeliveryError } from '../../core/delivery/errors.js';
import type { DeskTopics } from '../../core/deskConfig.js';
import type { ChannelSender } from '../../core/model.js';
import type { Db } from '../../db/prisma.js';
import type { Logger } from '../../logger.js';
import type { Redis } from '../../redis.js';
import { StatusTracker, type ChannelAdapter, type InboundSink } from '../adapter.js';
import { RedisLease } from '../lease.js';
import { TelegramAdapter } from './adapter.js';
import { RedisLedger } from './dedupe.js';
import type { TelegramDeskTap } from './deskTap.js';
import { storedFiles, type FileStore } from '../../core/files.js';
import { TELEGRAM_RATE_LIMITS } from './sender.js';
import { dbStore } from './store.js';
import { webhookSecret } from './webhook.js';

export { TelegramAdapter, type TelegramAdapterOptions } from './adapter.js';
export { TelegramDeskTap, type DeskUpdateHandler } from './deskTap.js';
export { WEBHOOK_PATH } from './webhook.js';

export type TelegramConfig = Pick<
  Config,
  'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_API_ROOT' | 'TELEGRAM_WEBHOOK_URL' | 'TELEGRAM_WEBHOOK_SECRET' | 'APP_SECRET' | 'OUTBOUND_TIMEOUT_MS' | 'REDIS_PREFIX'
> &
  Partial<Pick<Config, 'POLLER_LEASE_TTL_MS'>>;

export interface TelegramDeps {
  config: TelegramConfig;
  sink: InboundSink;
  db: Db;
  desk: DeskTopics;
  log: Logger;
  /** Our stored copies of files: outbound attachments are uploaded from here. */
  files?: FileStore;
  /**
   * Shares the update ledger between instances (best with webhooks), and holds the long-polling
   * lease (`REDIS_PREFIX:lease:telegram`) so one instance polls; without it, each instance remembers its own.
   */
  redis?: Redis;
  /** Where updates from the agents' chats go when the Telegram desk shares this bot's token. */
  telegramDeskTap?: TelegramDeskTap;
}

export function createTelegramAdapter(deps: TelegramDeps): ChannelAdapter {
  const { config } = deps;
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) return new TelegramOff();
  const botId = token.split(':')[0] ?? 'bot';
  return new TelegramAdapter({
    token,
    apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
    ...(config.TELEGRAM_WEBHOOK_URL
      ? { webhook: { url: config.TELEGRAM_WEBHOOK_URL, secret: webhookSecret(config.TELEGRAM_WEBHOOK_SECRET, config.APP_SECRET ?? token, token) } }
      : {}),
    sink: deps.sink,
    store: dbStore(deps.db),
    desk: deps.desk,
    log: deps.log,
    timeoutMs: config.OUTBOUND_TIMEOUT_MS,
    ...(deps.redis ? { ledger: new RedisLedger(deps.redis, `${config.REDIS_PREFIX}:telegram:${botId}:update`) } : {}),
    ...(deps.redis && !config.TELEGRAM_WEBHOOK_URL
      ? { lease: new RedisLease(deps.redis, `${config.REDIS_PREFIX}:lease:telegram`, deps.log.child({ channel: 'telegram' }), leaseOptions(config)) }
      : {}),
    ...(deps.files ? { files: storedFiles(deps.files) } : {}),
    ...(deps.telegramDeskTap ? { deskTap: deps.telegramDeskTap } : {}),
  });
}

function leaseOptions(config: TelegramConfig): { ttlMs?: number } {
  return config.POLLER_LEASE_TTL_MS !== undefined ? { ttlMs: config.POLLER_LEASE_TTL_MS } : {};
}

/** The channel when TELEGRAM_BOT_TOKEN is not set: off, and its replies fail for good. */
class TelegramOff implements ChannelAdapter {
  readonly channel = 'telegram' as const;
  private readonly tracker = new StatusTracker('off', 'TELEGRAM_BOT_TOKEN is not set');
  readonly sender: ChannelSender = {
    channel: 'telegram',
    rateLimits: TELEGRAM_RATE_LIMITS,
    send: async () => {
      throw new PermanentDeliveryError('the Telegram channel is off: set TELEGRAM_BOT_TOKEN');
    },
  };

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  status() {
    return this.tracker.get();
  }
}
