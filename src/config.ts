/**
 * Every setting is an environment variable with a sensible default, validated at start.
 * README.md and .env.example list them all; keep the three in step.
 */
import { z } from 'zod';

/** A yes/no setting, in any case; set but blank means the default. */
const bool = (fallback: boolean) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim().toLowerCase()) : v),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const url = (fallback: string) => z.url().default(fallback);
/** A comma-separated list (spaces around items ignored); unset or blank means empty. */
const list = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((item) => item.trim()).filter(Boolean));
/** An integer setting; set but blank (`PORT=` in an env file) means the default, not 0. */
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().min(min).max(max).default(fallback));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000, 0, 65_535),
  HOST: z.string().default('0.0.0.0'),
  /** Unset: this machine on PORT (http://localhost:3000 by default). */
  PUBLIC_URL: z.url().optional(),
  /**
   * Which proxies' X-Forwarded-For is believed for the client's address (login rate limits, logs):
   * Express's `trust proxy` (`true`, `false`, a hop count, or addresses and subnets). The default
   * trusts proxies on this machine and private networks only, so a client on the Internet cannot
   * pick its own address by sending the header.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .default('loopback, linklocal, uniquelocal')
    .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' || v === '' ? false : /^\d+$/.test(v) ? Number(v) : v)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: url('postgresql://postgres@127.0.0.1:5432/omnidesk'),
  REDIS_URL: url('redis://127.0.0.1:6379'),
  /** Namespace for every Redis key, so several deployments (or test runs) can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[\w.:-]+$/).default('omnidesk'),
  /** Bearer token of the agent REST API. Outside production a random one is generated into DATA_DIR. */
  ADMIN_TOKEN: optionalString,
  /** A bearer token that opens GET /metrics only (for Prometheus); the ADMIN_TOKEN works there too. */
  METRICS_TOKEN: optionalString,
  /** Signs widget visitor tokens. Outside production a random one is generated into DATA_DIR. */
  APP_SECRET: optionalString,
  /** Where generated secrets live. */
  DATA_DIR: z.string().default('.data'),
  /**
   * The largest customer file kept (in PostgreSQL), in bytes; a larger one is kept as the
   * platform's reference only. 20 MB is the most a Telegram bot can download.
   */
  ATTACHMENT_MAX_BYTES: int(20 * 1024 * 1024, 0),
  API_CHANNEL_SECRET: optionalString,
  API_CHANNEL_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
  DESK_CONFIG: z.string().default('config/desk.yaml'),
  /** HMAC-SHA256 key that signs automation rules' webhooks (X-Signature); without it they are not sent. */
  AUTOMATION_WEBHOOK_SECRET: optionalString,
  DELIVERY_MAX_ATTEMPTS: int(15, 1),
  DELIVERY_BACKOFF_MS: int(1000, 1),
  DELIVERY_MAX_BACKOFF_MS: int(15 * 60_000, 1),
  DELIVERY_CONCURRENCY: int(8, 1),
  DELIVERY_SWEEP_INTERVAL_MS: int(30_000, 100),
  /** Jobs newer than this are left to the queue by the sweep: it only rescues the stranded. */
  DELIVERY_SWEEP_GRACE_MS: int(10_000, 0),
  OUTBOUND_TIMEOUT_MS: int(10_000, 100),
  /**
   * Long polling (Telegram, VK) and the WhatsApp session run on one instance at a time, holding a
   * lease in Redis; a dead holder's lease runs out after this long and another instance takes over.
   */
  POLLER_LEASE_TTL_MS: int(15_000, 300),
  WIDGET_ALLOWED_ORIGINS: z.string().default('*'),
  SERVE_DEMO: bool(true),
  /**
   * A folder of Markdown articles upserted into the knowledge base at start (the folder wins for
   * the articles it holds). Unset: the demo (development with SERVE_DEMO) imports kb/sample
   * while the knowledge base is empty.
   */
  KB_DIR: optionalString,
  /** The knowledge-base bot answers customers; false leaves every ticket to people. */
  BOT_ENABLED: bool(true),
  /** Confidence (0..1) from which the bot answers with an article. Unset: the tuned default. */
  KB_ANSWER_THRESHOLD: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().min(0).max(1).optional()),
  /** Confidence (0..1) from which the bot offers articles ("did you mean"); below it hands over. */
  KB_SUGGEST_THRESHOLD: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().min(0).max(1).optional()),
  /** The Telegram bot's token from @BotFather: the Telegram channel is off while it is empty. */
  TELEGRAM_BOT_TOKEN: optionalString,
  /** The Bot API's root: a self-hosted Bot API server, or an emulator in tests. */
  TELEGRAM_API_ROOT: url('https://api.telegram.org'),
  /** Webhook mode: the public HTTPS URL Telegram posts updates to (routed to POST /webhooks/telegram). Unset: long polling. */
  TELEGRAM_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
  /** The webhook's secret token (1-256 of A-Z a-z 0-9 _ -). Unset: derived from APP_SECRET (or the bot token). */
  TELEGRAM_WEBHOOK_SECRET: optionalString.pipe(z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, '1-256 characters of A-Z, a-z, 0-9, _ and -').optional()),
  /**
   * The Telegram agent desk's group (a forum supergroup: a topic per ticket; or a plain group),
   * e.g. -1001234567890. The desk is off while it is empty.
   */
  TELEGRAM_AGENT_CHAT_ID: optionalString.pipe(z.string().regex(/^-?\d+$/, 'a numeric Telegram chat id, e.g. -1001234567890').optional()),
  /** A bot of the desk's own. Unset: the desk uses TELEGRAM_BOT_TOKEN (the customer bot) and gets its updates through it. */
  TELEGRAM_DESK_BOT_TOKEN: optionalString,
  /** Posts a minute the desk makes into one agents' group (Telegram allows a bot about 20); a burst beyond waits and is coalesced. */
  TELEGRAM_DESK_POSTS_PER_MINUTE: int(20, 1, 600),
  /** VK community access token (with the "messages" right): the VK channel is off while it is empty. */
  VK_TOKEN: optionalString,
  /** The community's id. Unset: found with the token (groups.getById) for Bots Long Poll. */
  VK_GROUP_ID: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().positive().optional()),
  /** Callback API: the string VK expects back when confirming the server. With VK_CALLBACK_SECRET it turns on the Callback API. */
  VK_CONFIRMATION: optionalString,
  /** Callback API: the secret key VK sends with every event; a request without it gets 403. */
  VK_CALLBACK_SECRET: optionalString,
  /** Where the VK API lives; tests point it at a local fake (an http:// base works too). */
  VK_API_BASE_URL: url('https://api.vk.ru/method'),
  /** The WhatsApp channel (whatsapp-web.js: WhatsApp Web in Chromium, logged in by scanning a QR code). */
  WHATSAPP_ENABLED: bool(false),
  /** Where the WhatsApp session is kept (LocalAuth), so a restart needs no new scan. Unset: DATA_DIR/whatsapp. */
  WHATSAPP_SESSION_DIR: optionalString,
  /** The Chromium that runs WhatsApp Web (puppeteer's own Chrome download is disabled). */
  CHROMIUM_PATH: z.string().trim().min(1).default('/usr/bin/chromium'),
  /** The Slack desk's bot token (xoxb-…): with SLACK_SIGNING_SECRET and SLACK_AGENT_CHANNEL it turns the desk on. */
  SLACK_BOT_TOKEN: optionalString,
  /** The Slack app's signing secret: every request to POST /slack/events is checked with it. */
  SLACK_SIGNING_SECRET: optionalString,
  /** Socket Mode (an app-level token, xapp-…): the desk connects to Slack, so no public URL is needed. */
  SLACK_APP_TOKEN: optionalString,
  /** The channel id (C…) where ticket cards are posted and agents answer in their threads. */
  SLACK_AGENT_CHANNEL: optionalString,
  /** Slack as a customer channel: ids of channels (e.g. shared with client companies) whose messages open or join tickets. */
  SLACK_CUSTOMER_CHANNELS: list,
  /** Where the Slack Web API lives; tests point it at a local fake. */
  SLACK_API_URL: url('https://slack.com/api/'),
  /** The web console's first admin: created (or updated) at every start with this email and ADMIN_PASSWORD. */
  ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
  /** The password of ADMIN_EMAIL (at least 10 characters). */
  ADMIN_PASSWORD: optionalString.pipe(z.string().min(10, 'at least 10 characters').optional()),
  /** How long a console sign-in lasts. */
  SESSION_TTL_HOURS: int(12, 1, 24 * 90),
  /** Failed console sign-ins per email in 15 minutes before 429 (per IP: four times as many). */
  LOGIN_MAX_ATTEMPTS: int(5, 1, 1000),
});

/** The settings in force; PUBLIC_URL always set. */
export type Config = Omit<z.infer<typeof schema>, 'PUBLIC_URL'> & { PUBLIC_URL: string };

/** The name of every setting (README.md and .env.example must list each one). */
export const CONFIG_KEYS = Object.keys(schema.shape) as Array<keyof Config>;

/** Parses and validates the environment; throws one readable error listing every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config: Config = { ...result.data, PUBLIC_URL: result.data.PUBLIC_URL ?? `http://localhost:${result.data.PORT}` };
  if (config.NODE_ENV === 'production') {
    const missing = (['ADMIN_TOKEN', 'APP_SECRET'] as const).filter((k) => !config[k]);
    if (missing.length) throw new ConfigError(`Invalid configuration: ${missing.join(', ')} must be set in production`);
  }
  return config;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
