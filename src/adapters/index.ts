/**
 * The messenger adapters the gateway runs. To add a channel, add ONE line to the list in
 * `createChannelAdapters`; app.ts does the rest for every adapter listed: registers its sender
 * with the delivery worker, mounts its router (at the root, before any body parser), starts it
 * without waiting for it, stops it, and reports its `status()` in /healthz and
 * GET /api/v1/channels. A channel missing from the list is reported as `off`.
 *
 * Return `null` (or an adapter whose status is `off`) when the channel's settings are not given:
 * an unconfigured channel is not an error and never blocks start-up.
 */
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { DeskTopics } from '../core/deskConfig.js';
import type { FileStore } from '../core/files.js';
import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';
import type { ChannelAdapter, InboundSink } from './adapter.js';
import { createSlackChannel } from './slack/index.js';
import type { SlackCustomerTap } from './slack/tap.js';
import type { TelegramDeskTap } from './telegram/deskTap.js';
import { createTelegramAdapter } from './telegram/index.js';
import { createVkAdapter } from './vk/index.js';
import { createWhatsAppAdapter } from './whatsapp/index.js';

/** Everything an adapter may use. */
export interface ChannelAdapterDeps {
  config: Config;
  /** Where customers' messages and edits go: the core's inbound pipeline. */
  sink: InboundSink;
  /** For reads an adapter needs (e.g. Telegram's /status lists the customer's open tickets). */
  db: Db;
  /** Customers' stored files: read one to upload an attachment (its url is /api/v1/files/<id>). */
  files: FileStore;
  /** The desk configuration: categories are the topic buttons (Telegram's /start). */
  desk: DeskTopics;
  /** Guards admin routes an adapter mounts (e.g. WhatsApp's QR code) with the REST API's bearer token. */
  requireAdmin: RequestHandler;
  /**
   * Shared by every instance: adapters keep their update/event ledgers here (Telegram's update_id,
   * VK's event_id), and the leases that let one instance poll (`REDIS_PREFIX:lease:<channel>`, ./lease.ts).
   */
  redis: Redis;
  /** Hands updates from the agents' chats to the Telegram desk when it shares the customer bot (./telegram/deskTap.ts). */
  telegramDeskTap?: TelegramDeskTap;
  /** Where the Slack desk, which receives the Slack app's events, hands those of customer channels (./slack/tap.ts). */
  slackCustomerTap?: SlackCustomerTap;
  log: Logger;
}

/** Builds the messenger adapters, one line per channel. */
export function createChannelAdapters(deps: ChannelAdapterDeps): ChannelAdapter[] {
  const adapters: Array<ChannelAdapter | null> = [
    createTelegramAdapter(deps),
    createVkAdapter(deps),
    createWhatsAppAdapter(deps),
    createSlackChannel(deps),
  ];
  return adapters.filter((a): a is ChannelAdapter => a !== null);
}
