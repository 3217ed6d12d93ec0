/**
 * Agent desks: places where agents already work (Slack, Telegram) that act on tickets.
 * A desk is not a customer channel: it listens to the core's domain events and acts only through
 * TicketService, exactly as the REST API does, so first response, audit and SLA come out the same.
 * The core never imports a desk; app.ts builds them (src/desks/index.ts), mounts their routers
 * before any body parser, starts them in the background and stops them.
 */
import type { RequestHandler, Router } from 'express';
import type { ChannelStatus } from '../adapters/adapter.js';
import type { Config } from '../config.js';
import type { CannedResponses } from '../core/canned.js';
import type { DeskSettings } from '../core/deskSettings.js';
import type { FileStore } from '../core/files.js';
import type { TelegramDeskTap } from '../adapters/telegram/deskTap.js';
import type { SlackCustomerTap } from '../adapters/slack/tap.js';
import type { EventBus } from '../core/events.js';
import type { PullResult } from '../core/assignment/pull.js';
import type { TicketService } from '../core/tickets.js';
import type { AgentEdits } from '../core/agentEdits.js';
import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';

export interface DeskDeps {
  config: Config;
  db: Db;
  tickets: TicketService;
  events: EventBus;
  /** Shared by every instance: event dedupe, mirror marks and send slots live here. */
  redis: Redis;
  /** True while the KB bot would take a new ticket (it is enabled and has articles): then only handoffs reach the desk. */
  botHandles: () => boolean;
  /**
   * Pull: hands the agent (handle or email) the most urgent ticket of their queue, or says it is
   * empty; throws AtCapacityError (a ConflictError) when they hold their capacity already.
   */
  next: (agent: string) => Promise<PullResult>;
  /** Canned responses (`!shortcut` in a desk thread); without them a `!…` message is an ordinary reply. */
  canned?: CannedResponses;
  /** The desk configuration in force (teams' chats, category titles): read when acting. Absent: an empty one. */
  settings?: DeskSettings;
  /** The file store: files mirrored into a desk, and agents' files sent from it. Absent: one on `db`. */
  files?: FileStore;
  /** Hands the Telegram desk the agents' chats' updates when it shares the customer bot (src/adapters/telegram/deskTap.ts). */
  telegramDeskTap?: TelegramDeskTap;
  /** Where the Slack desk hands what happens in Slack customer channels (src/adapters/slack/tap.ts). */
  slackCustomerTap?: SlackCustomerTap;
  /** Agents' edits of their replies and notes (an agent edits their message in the desk); absent: edits there are ignored. */
  edits?: AgentEdits;
  requireAdmin: RequestHandler;
  log: Logger;
}

export interface Desk {
  readonly name: string;
  /** Webhook routes, mounted at the app's root before any body parser; they parse their own bodies. */
  readonly router?: Router;
  /** Must not throw for a platform outage: report it in status. */
  start(): Promise<void>;
  /** Stops listening and lets work under way finish. */
  stop(): Promise<void>;
  status(): ChannelStatus;
}
