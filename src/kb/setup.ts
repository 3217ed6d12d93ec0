/**
 * The knowledge base and its bot, as the composition root (app.ts) plugs them in: the service
 * with its Redis change feed, the start-up import, the thresholds, and the bot's listener.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type Config } from '../config.js';
import type { DeskSettings } from '../core/deskSettings.js';
import type { EventBus } from '../core/events.js';
import type { Outbox } from '../core/outbox.js';
import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';
import { KbBot } from './bot.js';
import { importKbDir } from './kb-files.js';
import { KbService } from './kb-service.js';
import { KbChangeFeed } from './kb-sync.js';
import { DEFAULT_THRESHOLDS, type PolicyThresholds } from './policy.js';

/** The demo shop's articles, shipped in the repository. */
export const SAMPLE_KB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../kb/sample');

/** The Redis channel article changes are announced on. */
export function kbChannel(redisPrefix: string): string {
  return `${redisPrefix}:kb:changed`;
}

/** The bot's confidence thresholds from KB_ANSWER_THRESHOLD / KB_SUGGEST_THRESHOLD, else the tuned defaults. */
export function botThresholds(config: Pick<Config, 'KB_ANSWER_THRESHOLD' | 'KB_SUGGEST_THRESHOLD'>): PolicyThresholds {
  const answer = config.KB_ANSWER_THRESHOLD ?? DEFAULT_THRESHOLDS.answer;
  if (config.KB_SUGGEST_THRESHOLD === undefined) return { answer, suggest: Math.min(DEFAULT_THRESHOLDS.suggest, answer) };
  if (config.KB_SUGGEST_THRESHOLD > answer) {
    throw new ConfigError(`Invalid configuration: KB_SUGGEST_THRESHOLD (${config.KB_SUGGEST_THRESHOLD}) must not be above KB_ANSWER_THRESHOLD (${answer})`);
  }
  return { answer, suggest: config.KB_SUGGEST_THRESHOLD };
}

/**
 * Which folder to import at start. KB_DIR: always (the folder wins for the articles it holds, so
 * a KB kept in git is what runs). Otherwise, in the demo (development with SERVE_DEMO), the sample
 * KB while the knowledge base is empty, so `npm start` answers out of the box and never overwrites
 * articles someone has since edited. Tests and production import nothing unless told.
 */
export function startupImport(config: Pick<Config, 'KB_DIR' | 'NODE_ENV' | 'SERVE_DEMO'>): { dir: string; onlyIfEmpty: boolean } | null {
  if (config.KB_DIR) return { dir: config.KB_DIR, onlyIfEmpty: false };
  if (config.NODE_ENV === 'development' && config.SERVE_DEMO) return { dir: SAMPLE_KB_DIR, onlyIfEmpty: true };
  return null;
}

export interface KnowledgeBaseDeps {
  config: Config;
  db: Db;
  /** A connection to publish on, and one in subscriber mode. */
  redis: { pub: Redis; sub: Redis };
  outbox: Outbox;
  events: EventBus;
  settings: DeskSettings;
  log: Logger;
}

export type KnowledgeBase = ReturnType<typeof createKnowledgeBase>;

export function createKnowledgeBase({ config, db, redis, outbox, events, settings, log }: KnowledgeBaseDeps) {
  const kb = new KbService(db, new KbChangeFeed(redis.pub, redis.sub, kbChannel(config.REDIS_PREFIX), log), log);
  const thresholds = botThresholds(config);
  const bot = config.BOT_ENABLED ? new KbBot(db, kb, outbox, events, log, { thresholds }, settings) : null;
  return {
    kb,
    bot,
    thresholds,
    /** Loads the articles (importing the start-up folder first), then lets the bot listen. */
    async start(): Promise<void> {
      await kb.start();
      const source = startupImport(config);
      if (source && !(source.onlyIfEmpty && (await kb.count()) > 0)) {
        const summary = await importKbDir(kb, source.dir).catch((err: Error) => {
          throw new ConfigError(`Cannot import the knowledge base from ${source.dir}: ${err.message}`);
        });
        log.info({ dir: source.dir, created: summary.created.length, updated: summary.updated.length, unchanged: summary.unchanged }, 'knowledge base imported');
      }
      log.info({ articles: kb.size, bot: bot ? 'on' : 'off' }, 'knowledge base ready');
      bot?.attach();
    },
    /** Stops the bot (letting its turns finish) and the change feed. */
    async stop(): Promise<void> {
      await bot?.close();
      await kb.close();
    },
  };
}
