/**
 * The composition root: builds the gateway from its parts and wires them together.
 *
 *   adapters (widget, API, messengers) ──InboundMessage──▶ core/InboundPipeline ──▶ PostgreSQL
 *                                                            │ domain events
 *   REST API / desks ──▶ core/TicketService ──▶ core/Outbox ─┴─▶ PostgreSQL (queued)
 *                                                   │
 *                                  BullMQ "delivery" queue (Redis)
 *                                                   │
 *                        core/DeliveryWorker ──▶ ChannelSender of the message's channel
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { ChannelAdapter, InboundSink } from './adapters/adapter.js';
import { ApiChannelSender } from './adapters/api/sender.js';
import { apiInboundRouter } from './adapters/api/inbound.js';
import { WidgetHub } from './adapters/widget/hub.js';
import { LiveFeed, liveRouter } from './http/live.js';
import { widgetFilesRouter } from './adapters/widget/files.js';
import { UploadLimiter } from './adapters/widget/uploadLimit.js';
import { widgetRouter } from './adapters/widget/routes.js';
import { widgetSuggestRouter } from './adapters/widget/suggest.js';
import { WidgetSender } from './adapters/widget/sender.js';
import { createChannelAdapters, type ChannelAdapterDeps } from './adapters/index.js';
import { TelegramDeskTap } from './adapters/telegram/deskTap.js';
import { SlackCustomerTap } from './adapters/slack/tap.js';
import { AdapterLifecycle } from './adapters/lifecycle.js';
import type { Config } from './config.js';
import { AttachmentKeeper } from './core/attachments.js';
import { ChannelRegistry } from './core/channels.js';
import { DeliveryQueue } from './core/delivery/queue.js';
import { SendRateLimiter } from './core/delivery/rateLimit.js';
import { DeliverySweep } from './core/delivery/sweep.js';
import { FileSweep } from './core/fileSweep.js';
import { DeliveryWorker } from './core/delivery/worker.js';
import { createTimers } from './core/timers/index.js';
import { AutomationEngine } from './core/automation/engine.js';
import { WebhookQueue, WebhookWorker } from './core/automation/webhooks.js';
import type { DeskTopics } from './core/deskConfig.js';
import { AssignmentService } from './core/assignment/service.js';
import { silenceDueAt } from './core/assignment/silence.js';
import { DeskConfigFeed } from './core/directory/feed.js';
import { DeskConfigStore } from './core/directory/store.js';
import { EventBus } from './core/events.js';
import { FileStore } from './core/files.js';
import { InboundPipeline } from './core/inbound.js';
import { DeskSettings } from './core/deskSettings.js';
import { Outbox } from './core/outbox.js';
import { PlatformReplies } from './core/platformReplies.js';
import { CannedResponses } from './core/canned.js';
import { CsatReplies } from './core/notify/csatReply.js';
import { StatusNotifications } from './core/notify/statusNotifications.js';
import { TicketService } from './core/tickets.js';
import { AgentEdits } from './core/agentEdits.js';
import { Outreach } from './core/outreach.js';
import { migrateDatabase, redactUrl } from './db/migrate.js';
import { createDb } from './db/prisma.js';
import { createConsole } from './console/index.js';
import { errorHandler, HttpError } from './http/errors.js';
import { filesRouter } from './http/filesRoutes.js';
import { healthHandler } from './http/health.js';
import { API_GROUPS } from './http/apiCatalog.js';
import { metricsHandlers } from './http/metricsRoute.js';
import { buildOpenApi, openApiHandler } from './http/openapi.js';
import { requestContext } from './http/requestContext.js';
import { GatewayMetrics } from './observability/metrics.js';
import { ticketsRouter } from './http/ticketsRoutes.js';
import { outreachRouter } from './http/outreachRoutes.js';
import { cannedRouter } from './http/cannedRoutes.js';
import { deskRouter } from './http/deskRoutes.js';
import { viewsRouter } from './http/viewsRoutes.js';
import { reportsRouter } from './http/reportsRoutes.js';
import { ReportService } from './reports/service.js';
import { contactsRouter } from './http/contactsRoutes.js';
import { kbRouter } from './http/kbRoutes.js';
import { createDesks, type Desk, type DeskDeps } from './desks/index.js';
import { createKnowledgeBase } from './kb/setup.js';
import type { Logger } from './logger.js';
import { createRedis, probeRedis } from './redis.js';
import { secretOrGenerated } from './secrets.js';

const publicDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');

/** How long `stop()` waits for running deliveries and the queue to close. */
const STOP_GRACE_MS = 10_000;

/** How long fetching one customer's file may take (20 MB over a slow link) before only its reference is kept. */
const ATTACHMENT_DOWNLOAD_TIMEOUT_MS = 60_000;

/** True if the promise settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    () => true,
    () => true,
  );
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A dependency the gateway cannot start without is down: one clear line says which and how to start it. */
export class DependencyError extends Error {
  override name = 'DependencyError';
}

export type Gateway = Awaited<ReturnType<typeof createGateway>>;

export interface GatewayOptions {
  /** Builds the messenger adapters; tests pass fakes. Default: `createChannelAdapters` (src/adapters/index.ts). */
  adapters?: (deps: ChannelAdapterDeps) => ChannelAdapter[];
  /** Builds the agent desks (Slack …); tests pass tuned ones. Default: `createDesks` (src/desks/index.ts). */
  desks?: (deps: DeskDeps) => Desk[];
}

export async function createGateway(config: Config, log: Logger, options: GatewayOptions = {}) {
  // 1. Dependencies: fail fast, naming the URL tried and how to start it.
  await migrateDatabase(config.DATABASE_URL).catch((err: Error) => {
    throw new DependencyError(
      `Cannot prepare PostgreSQL at ${redactUrl(config.DATABASE_URL)}: ${err.message.split('\n')[0]}. Start it, e.g. \`docker compose up -d postgres redis\`, or set DATABASE_URL.`,
    );
  });
  await probeRedis(config.REDIS_URL).catch((err: Error) => {
    throw new DependencyError(
      `Cannot reach Redis at ${redactUrl(config.REDIS_URL)}: ${err.message}. Start it, e.g. \`docker compose up -d postgres redis\`, or set REDIS_URL.`,
    );
  });
  const adminToken = await secretOrGenerated(config.ADMIN_TOKEN, config.DATA_DIR, 'admin-token');
  const appSecret = await secretOrGenerated(config.APP_SECRET, config.DATA_DIR, 'app-secret');
  if (adminToken.file) log.warn({ file: adminToken.file }, 'ADMIN_TOKEN is not set: the REST API uses the generated token in this file');

  const db = createDb(config.DATABASE_URL);
  const redis = {
    queue: createRedis(config.REDIS_URL),
    worker: createRedis(config.REDIS_URL),
    pub: createRedis(config.REDIS_URL),
    sub: createRedis(config.REDIS_URL),
    adapters: createRedis(config.REDIS_URL),
  };
  for (const [role, conn] of Object.entries(redis)) conn.on('error', (err) => log.warn({ err: err.message, role }, 'redis connection error'));
  // Health checks get their own connection that fails at once while Redis is down, instead of
  // queueing a PING per probe until it comes back.
  const healthRedis = createRedis(config.REDIS_URL, { enableOfflineQueue: false });
  healthRedis.on('error', () => undefined); // the connections above already log Redis trouble

  // 2. The core: it knows nothing of adapters.
  const events = new EventBus(log);
  const files = new FileStore(db, config.ATTACHMENT_MAX_BYTES);
  // The desk configuration in force (SLA policies, teams, routing …): the core reads it at the moment it acts.
  const settings = new DeskSettings();
  // Versioned in PostgreSQL: DESK_CONFIG becomes a new version when the file changed (validated:
  // an error names the line), the newest version is in force, and teams and agents follow it.
  const deskConfigs = new DeskConfigStore(db, settings, config.DESK_CONFIG, log, new DeskConfigFeed(redis.pub, redis.sub, `${config.REDIS_PREFIX}:desk-config:changed`, log));
  await deskConfigs.load();
  // Channels offer the topics (categories) in force at the moment they show them.
  const desk: DeskTopics = {
    get categories() {
      return settings.current.categories;
    },
  };
  const bullPrefix = `${config.REDIS_PREFIX}:bull`;
  const deliveryQueue = new DeliveryQueue(redis.queue, { prefix: bullPrefix, maxAttempts: config.DELIVERY_MAX_ATTEMPTS });
  // Without a listener BullMQ prints every error with console.error, past the logger and LOG_LEVEL.
  deliveryQueue.queue.on('error', (err) => log.warn({ err: err.message }, 'delivery queue error'));
  const outbox = new Outbox(db, deliveryQueue, events);
  // The knowledge base, and its bot: a listener on the core's events (the core never imports it).
  const knowledge = createKnowledgeBase({ config, db, redis, outbox, events, settings, log });
  // True while the bot would take a new ticket: otherwise every new ticket goes to people at once,
  // and its SLA clock starts when the customer writes rather than at the bot's handoff.
  const botHandles = () => config.BOT_ENABLED && knowledge.kb.size > 0;
  const tickets = new TicketService(db, outbox, events, settings, botHandles);
  // Agents' edits of their replies: the customer's copy is edited through the delivery queue, where the channel can.
  const agentEdits = new AgentEdits(db, deliveryQueue, events, log);
  // A customer's answer to a CSAT survey rates the resolved ticket instead of reopening it.
  const csatReplies = new CsatReplies(outbox, events, settings);
  const pipeline = new InboundPipeline(db, events, new AttachmentKeeper(files, log, { downloadTimeoutMs: ATTACHMENT_DOWNLOAD_TIMEOUT_MS }), settings, csatReplies, botHandles);
  // Customer notifications (taken, pending, resolved) and canned responses.
  const notifications = new StatusNotifications(db, outbox, events, settings, log);
  const canned = new CannedResponses(db, tickets, settings);
  // Agents writing to a known customer first: a ticket of its own (origin agent), sent through the Outbox.
  const outreach = new Outreach(db, tickets, outbox, events, settings);
  const channels = new ChannelRegistry();

  // 3. Channel adapters: they translate, the core decides.
  const widgetTopic = `${config.REDIS_PREFIX}:widget:out`;
  channels.register(new WidgetSender(redis.pub, widgetTopic));
  channels.register(new ApiChannelSender({ webhookUrl: config.API_CHANNEL_WEBHOOK_URL, secret: config.API_CHANNEL_SECRET, timeoutMs: config.OUTBOUND_TIMEOUT_MS }));
  const widgetHub = new WidgetHub(db, pipeline, redis.sub, widgetTopic, appSecret.value, log, files);
  // Messengers get the pipeline only as a sink: they hand in messages and edits, nothing more; and
  // agents' replies written in a customer's chat (a shared Slack channel), recorded through TicketService, not sent.
  const platformReplies = new PlatformReplies(db, tickets, agentEdits);
  const sink: InboundSink = {
    ingest: (message) => pipeline.ingest(message),
    edit: (edit) => pipeline.edit(edit),
    agentReply: (reply) => platformReplies.record(reply),
    agentEdit: (edit) => platformReplies.recordEdit(edit),
  };
  // The web console (src/console): users, sessions, roles. Its guards take the bearer token (as an admin) or a session cookie.
  const consoleServer = createConsole({ config, db, redis: redis.queue, adminToken: adminToken.value, appSecret: appSecret.value, log });
  await consoleServer.ensureFirstAdmin();
  const requireAdmin = consoleServer.auth.require('admin');
  // With one bot for customers and the Telegram desk, the customer adapter hands the agents' chats' updates to the desk through this.
  const telegramDeskTap = new TelegramDeskTap();
  // And the other way round: the Slack desk receives the Slack app's events and hands customer channels' to the Slack channel.
  const slackCustomerTap = new SlackCustomerTap();
  const adapters = new AdapterLifecycle(
    (options.adapters ?? createChannelAdapters)({ config, sink, db, files, desk, requireAdmin, redis: redis.adapters, log, telegramDeskTap, slackCustomerTap }),
    log,
  );
  adapters.register(channels);

  // 4. Delivery: a worker per instance, and the sweep that rebuilds lost queues from PostgreSQL.
  const deliveryWorker = new DeliveryWorker(redis.worker, db, channels, events, log, {
    prefix: bullPrefix,
    concurrency: config.DELIVERY_CONCURRENCY,
    maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
    backoffMs: config.DELIVERY_BACKOFF_MS,
    maxBackoffMs: config.DELIVERY_MAX_BACKOFF_MS,
    rateLimiter: new SendRateLimiter(redis.worker, `${config.REDIS_PREFIX}:rate`),
    afterEditedSend: (messageId) => agentEdits.afterSend(messageId),
  });
  const sweep = new DeliverySweep(db, deliveryQueue, log, { intervalMs: config.DELIVERY_SWEEP_INTERVAL_MS, graceMs: config.DELIVERY_SWEEP_GRACE_MS });
  // Uploads no message ever used (a widget visitor's unsent file), deleted a day later.
  const fileSweep = new FileSweep(db, log, { intervalMs: 3_600_000 });

  // 4c. Agent desks: listeners on the core's events that act only through TicketService.
  // 4c'. Routing and assignment: listeners that route new tickets and hand them to agents.
  const assignment = new AssignmentService({ db, tickets, settings, botHandles, events, log });
  const desks = (options.desks ?? createDesks)({
    config, db, tickets, events, redis: redis.adapters, requireAdmin, log, botHandles, canned,
    next: (agent) => assignment.next(agent),
    settings, files, telegramDeskTap, slackCustomerTap, edits: agentEdits,
  });
  const deskStatus = () => Object.fromEntries(desks.map((d) => [d.name, d.status()]));

  // 4d. Timers (BullMQ delayed jobs planned from PostgreSQL): SLA warnings and breaches, wake-ups,
  // busy notices, auto-resolve, CSAT requests, reassign on silence.
  const timers = createTimers({
    db, tickets, outbox, events, settings, redis, bullPrefix, keyPrefix: config.REDIS_PREFIX, botHandles, log,
    silence: { dueAt: (t, s) => silenceDueAt(t, s), reassign: (ticketId, now) => assignment.reassignIfSilent(ticketId, now) },
    // Automation's "pending for …" rules run when their timer fires (the engine is built below).
    runPendingRule: (ticket, rule) => automation.run('pending', ticket, undefined, (r) => r.name === rule),
  });

  // 4e. Automation rules (when + if -> then), listeners on the same events; their webhooks go out through BullMQ.
  const webhookOptions = { prefix: bullPrefix, secret: config.AUTOMATION_WEBHOOK_SECRET, timeoutMs: config.OUTBOUND_TIMEOUT_MS, backoffMs: config.DELIVERY_BACKOFF_MS };
  const webhooks = new WebhookQueue(redis.queue, webhookOptions, log);
  const webhookWorker = new WebhookWorker(redis.worker, webhookOptions, log);
  const automation = new AutomationEngine({
    db, settings, tickets, outbox, events, log, webhooks, botHandles,
    autoAssign: (ticketId) => assignment.assigner.assign(ticketId),
    renderCanned: async (shortcut, ticketNumber) => (await canned.render(ticketNumber, shortcut)).text,
  });

  let stopAutomation = (): void => undefined;

  // 4f. Prometheus metrics (src/observability): listeners on the same events, the workers' job
  // timings, and the queues' depths read when scraped.
  const metrics = new GatewayMetrics(events, [
    { name: 'delivery', queue: deliveryQueue.queue, worker: deliveryWorker.worker },
    { name: 'timers', queue: timers.producer.queue, worker: timers.worker.worker },
    { name: 'webhooks', queue: webhooks.queue, worker: webhookWorker.worker },
  ], log);

  // 4g. Live updates for the console: which tickets just changed, told across instances over Redis.
  const live = new LiveFeed(events, redis.pub, redis.sub, `${config.REDIS_PREFIX}:live`, log);

  // 5. HTTP.
  const app = express();
  app.disable('x-powered-by');
  // Whose X-Forwarded-For names the client (TRUST_PROXY): the login limits count by that address.
  app.set('trust proxy', config.TRUST_PROXY);
  // First: every request gets its id (X-Request-Id), its log context and its latency measured.
  app.use(requestContext(log, metrics));
  const channelStatus = () => ({
    // The same shape as the adapters' ChannelStatus (state + detail), so one reader handles every channel.
    widget: { state: 'connected', detail: `${widgetHub.connectedVisitors} visitors connected`, visitors: widgetHub.connectedVisitors },
    api: {
      state: config.API_CHANNEL_SECRET ? 'connected' : 'off',
      detail: config.API_CHANNEL_SECRET ? `replies ${config.API_CHANNEL_WEBHOOK_URL ? 'POSTed to API_CHANNEL_WEBHOOK_URL' : 'not sent: API_CHANNEL_WEBHOOK_URL is not set'}` : 'API_CHANNEL_SECRET is not set',
    },
    ...adapters.statuses(),
  });
  app.get('/healthz', healthHandler(db, healthRedis, channelStatus, deskStatus));
  // The operational surface: the OpenAPI spec (public) and Prometheus metrics (METRICS_TOKEN or ADMIN_TOKEN).
  app.get('/api/openapi.json', openApiHandler(buildOpenApi(API_GROUPS, { serverUrl: config.PUBLIC_URL, sessionCookie: consoleServer.auth.cookieName })));
  app.get('/metrics', ...metricsHandlers(metrics, { admin: adminToken.value, metrics: config.METRICS_TOKEN }));
  // Webhooks first: they verify signatures on raw bodies, so no parser may run before them.
  adapters.mount(app);
  for (const desk of desks) if (desk.router) app.use(desk.router);
  app.use('/api/v1', apiInboundRouter(pipeline, config.API_CHANNEL_SECRET));
  // Everything below under /api/v1 needs the bearer token or a session with the route's role (src/console/roles.ts).
  app.use('/api/v1', consoleServer.authRouter, consoleServer.auth.api, consoleServer.usersRouter);
  // Files first: an upload's raw body (whatever its type) must not meet the JSON parser below.
  app.use('/api/v1', filesRouter(files));
  // Before the tickets' router: GET /agents is the desk's (with load, availability and absences).
  app.use('/api/v1', deskRouter({ db, store: deskConfigs, settings, assignment }));
  app.use('/api/v1', express.json({ limit: '1mb' }), ticketsRouter(db, tickets, events, files, agentEdits, settings));
  app.use('/api/v1', express.json({ limit: '1mb' }), outreachRouter(db, outreach, files));
  app.use('/api/v1', liveRouter(live));
  app.use('/api/v1', express.json({ limit: '1mb' }), cannedRouter(canned));
  app.use('/api/v1', express.json({ limit: '1mb' }), viewsRouter(db), contactsRouter(db));
  // Reports: read-only metrics straight from the tickets (src/reports).
  app.use('/api/v1', reportsRouter({ reports: new ReportService(db, settings, botHandles), settings }));
  app.use('/api/v1', express.json({ limit: '1mb' }), kbRouter({ db, kb: knowledge.kb, tickets, thresholds: knowledge.thresholds }));
  app.get('/api/v1/channels', (_req, res) => {
    res.json(channelStatus());
  });
  app.use(widgetRouter({ secret: appSecret.value, desk, publicDir, allowedOrigins: config.WIDGET_ALLOWED_ORIGINS, maxFileBytes: files.maxBytes }));
  app.use(widgetFilesRouter({ db, files, secret: appSecret.value, allowedOrigins: config.WIDGET_ALLOWED_ORIGINS, limiter: new UploadLimiter(redis.queue, config.REDIS_PREFIX) }));
  app.use(widgetSuggestRouter(knowledge.kb, { allowedOrigins: config.WIDGET_ALLOWED_ORIGINS }));
  // The console at /admin (built by npm run build:console) and bull-board at /admin/queues.
  app.use(consoleServer.pagesRouter([deliveryQueue.queue, timers.producer.queue, webhooks.queue]));
  if (config.SERVE_DEMO) app.use(express.static(publicDir, { index: 'index.html' }));
  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(log));

  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname === '/widget/ws') widgetHub.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });

  return {
    config,
    db,
    redis,
    events,
    settings,
    pipeline,
    tickets,
    notifications,
    canned,
    outreach,
    agentEdits,
    outbox,
    channels,
    deliveryQueue,
    deliveryWorker,
    sweep,
    widgetHub,
    live,
    knowledge,
    files,
    adapters,
    desks,
    deskConfigs,
    assignment,
    timers,
    metrics,
    app,
    adminToken: adminToken.value,
    appSecret: appSecret.value,
    server,
    /** Starts the workers and listens; resolves with the bound port. */
    async start(port = config.PORT, host = config.HOST): Promise<number> {
      await widgetHub.start();
      await live.start();
      await knowledge.start();
      notifications.attach();
      await deskConfigs.start();
      assignment.start();
      stopAutomation = automation.start();
      // Plans every ticket from PostgreSQL in the background (after a Redis loss, every timer is back).
      timers.start();
      sweep.start();
      fileSweep.start();
      // In the background: a platform that is slow or down must not hold up the gateway.
      adapters.start();
      for (const desk of desks) void desk.start().catch((err: unknown) => log.error({ err, desk: desk.name }, 'desk failed to start: the gateway runs without it'));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    /**
     * Stops taking work, lets running jobs finish (for up to `graceMs`), and closes every
     * connection. The bound matters when Redis is down: then the worker and the widget hub
     * never finish closing, and a SIGTERM would otherwise leave the process hanging.
     */
    async stop(graceMs = STOP_GRACE_MS): Promise<void> {
      sweep.stop();
      fileSweep.stop();
      stopAutomation();
      // Messengers first: no new inbound messages while the rest closes.
      if (!(await settlesWithin(adapters.stop(), graceMs))) log.warn({ graceMs }, 'stopping without a clean stop of the channel adapters');
      live.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Desks next: their replies, like the bot's, still go to the delivery queue.
      await settlesWithin(Promise.all(desks.map((d) => d.stop().catch((err: unknown) => log.error({ err, desk: d.name }, 'desk failed to stop')))), graceMs);
      // Routing and assignment: what they change still tells customers (notifications) and desks.
      await settlesWithin(Promise.all([assignment.stop(), deskConfigs.stop()]), graceMs);
      // The bot first: its turns still hand replies to the delivery queue.
      await settlesWithin(knowledge.stop(), graceMs);
      await settlesWithin(notifications.close(), graceMs);
      // Timers before delivery: a running one may still queue a message to a customer.
      if (!(await settlesWithin(timers.stop(), graceMs))) log.warn({ graceMs }, 'stopping without a clean close of the timer worker: is Redis down?');
      const closing = (async () => {
        await Promise.all([widgetHub.close(), deliveryWorker.close(), webhookWorker.close()]);
        await Promise.all([deliveryQueue.close(), webhooks.close()]);
      })();
      if (!(await settlesWithin(closing, graceMs))) log.warn({ graceMs }, 'stopping without a clean close of the delivery worker: is Redis down?');
      metrics.close();
      await events.idle();
      for (const conn of [...Object.values(redis), healthRedis]) conn.disconnect();
      await db.$disconnect();
    },
  };
}
