/**
 * Reports benchmark: `npm run bench:reports [-- --tickets 100000 --messages-per-ticket 10 --runs 7]`.
 *
 * Seeds a database of its own with bulk SQL (generate_series, no row-by-row inserts): 100,000
 * tickets over the past year with their contacts and conversations, 10 messages each (1,000,000),
 * bot turns (answers, handoffs, deflections), CSAT ratings, SLA due times and policies, 40 agents
 * in 4 teams. The load runs with triggers off (session_replication_role = replica), as a bulk
 * import would; then the per-ticket counts the triggers keep are rebuilt (src/reports/counts.ts)
 * and the ticket table is compacted. Then it serves the reports through their real route (src/http/reportsRoutes.ts, the
 * same ReportService the gateway mounts) and times each report over several filter shapes and
 * ranges: the summary, and every time series by day (30 days) and by week (a year).
 *
 * It prints a table and, last, a one-line JSON summary. The seeded database is dropped at the
 * end (`--keep` keeps it).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import express from 'express';
import pg from 'pg';
import { loadDeskConfig } from '../src/core/deskConfig.js';
import { DeskSettings } from '../src/core/deskSettings.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createDb } from '../src/db/prisma.js';
import { errorHandler } from '../src/http/errors.js';
import { reportsRouter } from '../src/http/reportsRoutes.js';
import { createLogger } from '../src/logger.js';
import { rebuildTicketCounts } from '../src/reports/counts.js';
import { SERIES_METRICS } from '../src/reports/metrics.js';
import { ReportService } from '../src/reports/service.js';

const { values: args } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    'messages-per-ticket': { type: 'string', default: '10' },
    runs: { type: 'string', default: '7' },
    'desk-config': { type: 'string', default: 'config/desk.yaml' },
    keep: { type: 'boolean', default: false },
  },
});

const TICKETS = Number(args.tickets);
const PER_TICKET = Number(args['messages-per-ticket']);
const RUNS = Number(args.runs);
const AGENTS = 40;
const TEAMS = ['support', 'billing', 'delivery', 'vip'];

const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const dbName = `omnidesk_bench_reports_${runId}`;

function dbUrl(name: string): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${name}`;
  return url.toString();
}

/** Seeds the history in a few bulk statements. Deterministic (setseed), so runs compare. */
async function seed(client: pg.Client, slaNames: string[]): Promise<Record<string, number>> {
  const q = async (label: string, sql: string, params: unknown[] = []) => {
    const t0 = performance.now();
    const res = await client.query(sql, params);
    console.log(`  ${label}: ${res.rowCount ?? 0} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  await client.query('SELECT setseed(0.42)');
  // A bulk load: the triggers that keep the per-ticket counts are off; the counts are rebuilt after.
  await client.query(`SET session_replication_role = replica`);
  await q('teams', `INSERT INTO "Team" ("id", "name", "strategy") SELECT md5('team' || n)::uuid, n, 'round-robin' FROM unnest($1::text[]) n`, [TEAMS]);
  await q(
    'agents',
    `INSERT INTO "Agent" ("id", "handle", "name") SELECT md5('agent' || k)::uuid, 'agent' || lpad(k::text, 2, '0'), 'Agent ' || k FROM generate_series(1, $1) k`,
    [AGENTS],
  );
  await q('team members', `INSERT INTO "TeamMember" ("teamId", "agentId") SELECT md5('team' || ($2::text[])[1 + (k % 4)])::uuid, md5('agent' || k)::uuid FROM generate_series(1, $1) k`, [AGENTS, TEAMS]);

  // One row per ticket with everything drawn at random; tickets, contacts, conversations, messages and turns are built from it.
  await q(
    'ticket plan',
    `CREATE TEMP TABLE plan AS
     WITH base AS (
       SELECT g,
              -- Opened over the past year, mostly in working hours.
              date_trunc('day', now() - random() * interval '365 days')
                + CASE WHEN random() < 0.8 THEN interval '8 hours' + random() * interval '11 hours' ELSE random() * interval '24 hours' END AS opened,
              (ARRAY['widget', 'api', 'telegram', 'vk', 'whatsapp'])[1 + floor(random() * 5)::int] AS channel,
              random() AS rp, random() AS rb, random() AS rs, random() AS rc, random() AS ra, random() AS rt,
              random() AS fr, random() AS rr, random() AS cs,
              (ARRAY['orders', 'delivery', 'delivery/courier', 'returns', 'payment', 'payment/refunds', 'account', 'other'])[1 + floor(random() * 8)::int] AS category
       FROM generate_series(1, $1) g
     ), drawn AS (
       SELECT *,
              CASE WHEN rp < 0.1 THEN 'urgent' WHEN rp < 0.3 THEN 'high' WHEN rp < 0.9 THEN 'normal' ELSE 'low' END AS priority,
              -- The bot: 25 % deflected, 35 % handed over after an answer, the rest straight to people.
              CASE WHEN rb < 0.25 THEN 'deflected' WHEN rb < 0.6 THEN 'handoff' ELSE 'none' END AS bot
       FROM base
     )
     SELECT *,
            CASE WHEN opened > now() - interval '3 days' THEN (ARRAY['new', 'open', 'pending', 'resolved'])[1 + floor(rs * 4)::int]
                 WHEN rs < 0.03 THEN 'open' WHEN rs < 0.5 THEN 'resolved' ELSE 'closed' END AS status,
            CASE WHEN priority = 'normal' AND category LIKE 'delivery%' AND 'normal/delivery' = ANY($2::text[]) THEN 'normal/delivery'
                 WHEN priority = ANY($2::text[]) THEN priority END AS sla_policy,
            CASE WHEN rt < 0.1 THEN NULL ELSE md5('team' || ($4::text[])[1 + floor(rt * 4)::int])::uuid END AS team_id,
            md5('agent' || (1 + floor(ra * $3)::int))::uuid AS agent_id,
            CASE priority WHEN 'urgent' THEN 1 WHEN 'high' THEN 2 WHEN 'normal' THEN 3 ELSE 8 END AS fr_target_h
     FROM drawn`,
    [TICKETS, slaNames, AGENTS, TEAMS],
  );
  await client.query(`ALTER TABLE plan ADD PRIMARY KEY (g)`);
  await q(
    'ticket instants',
    `CREATE TEMP TABLE instants AS
     SELECT g,
            -- First response: a person's, unless the bot deflected; minutes to two days, long-tailed.
            CASE WHEN bot = 'deflected' OR status = 'new' THEN NULL ELSE LEAST(opened + fr * fr * interval '48 hours' + interval '2 minutes', now()) END AS responded,
            CASE WHEN status IN ('resolved', 'closed') THEN
                   CASE WHEN bot = 'deflected' THEN opened + interval '1 minute'
                        ELSE LEAST(opened + fr * fr * interval '48 hours' + interval '5 minutes' + rr * rr * interval '96 hours', now()) END
            END AS resolved,
            opened + fr_target_h * interval '2 hours' AS fr_due,
            opened + fr_target_h * interval '16 hours' AS res_due
     FROM plan`,
  );
  await client.query(`ALTER TABLE instants ADD PRIMARY KEY (g)`);
  await q('contacts', `INSERT INTO "Contact" ("id", "name", "updatedAt") SELECT md5('contact' || g)::uuid, 'Customer ' || g, now() FROM plan`);
  await q(
    'conversations',
    `INSERT INTO "Conversation" ("id", "channel", "externalChatId", "contactId", "createdAt", "lastMessageAt")
     SELECT md5('conv' || g)::uuid, channel::"Channel", 'chat-' || g, md5('contact' || g)::uuid, opened, opened FROM plan`,
  );
  await q(
    'tickets',
    `INSERT INTO "Ticket" ("id", "conversationId", "contactId", "channel", "subject", "status", "priority", "category", "assigneeId", "teamId",
       "botActive", "openedAt", "firstResponseDueAt", "resolutionDueAt", "firstRespondedAt", "resolvedAt", "closedAt", "csatScore", "csatRatedAt",
       "slaPolicy", "overdue", "createdAt", "updatedAt")
     SELECT md5('ticket' || p.g)::uuid, md5('conv' || p.g)::uuid, md5('contact' || p.g)::uuid, p.channel::"Channel", 'Question ' || p.g,
            p.status::"TicketStatus", p.priority::"Priority", p.category,
            CASE WHEN p.bot = 'deflected' OR p.status = 'new' THEN NULL ELSE p.agent_id END, p.team_id,
            p.bot <> 'none' AND i.responded IS NULL, p.opened,
            CASE WHEN p.sla_policy IS NOT NULL THEN i.fr_due END, CASE WHEN p.sla_policy IS NOT NULL THEN i.res_due END,
            i.responded, i.resolved, CASE WHEN p.status = 'closed' THEN i.resolved + interval '1 day' END,
            CASE WHEN i.resolved IS NOT NULL AND p.cs < 0.3 THEN 1 + floor(p.cs / 0.3 * 5)::int END,
            CASE WHEN i.resolved IS NOT NULL AND p.cs < 0.3 THEN LEAST(i.resolved + p.cs * interval '40 hours', now()) END,
            p.sla_policy, p.status IN ('new', 'open') AND p.sla_policy IS NOT NULL AND i.res_due < now(), p.opened, now()
     FROM plan p JOIN instants i USING (g)`,
  );
  // Messages: the customer first, then (by the bot's outcome) bot answers, people's replies, an occasional note.
  await q(
    'messages',
    `INSERT INTO "Message" ("id", "conversationId", "ticketId", "channel", "direction", "authorKind", "agentId", "text", "sentAt", "createdAt", "deliveryState")
     SELECT md5('msg' || p.g || '-' || k)::uuid, md5('conv' || p.g)::uuid, md5('ticket' || p.g)::uuid, p.channel::"Channel",
            (CASE WHEN m.kind = 'customer' THEN 'inbound' ELSE 'outbound' END)::"Direction", m.kind::"AuthorKind",
            CASE WHEN m.kind IN ('agent', 'note') THEN p.agent_id END, m.kind || ' message ' || k, m.at, m.at,
            (CASE WHEN m.kind = 'customer' THEN NULL ELSE 'sent' END)::"DeliveryState"
     FROM plan p JOIN instants i USING (g)
     CROSS JOIN generate_series(1, $1) k
     CROSS JOIN LATERAL (SELECT
       CASE WHEN k % 2 = 1 THEN 'customer'
            WHEN p.bot = 'deflected' OR (p.bot = 'handoff' AND k = 2) OR i.responded IS NULL THEN 'bot'
            WHEN k = 6 AND p.rc < 0.2 THEN 'note'
            ELSE 'agent' END AS kind,
       p.opened + (k - 1) * (COALESCE(i.resolved, i.responded, p.opened + interval '1 hour') - p.opened) / $1 AS at) m`,
    [PER_TICKET],
  );
  await q(
    'bot turns',
    `INSERT INTO "BotTurn" ("messageId", "ticketId", "action", "reason", "lang", "createdAt")
     SELECT md5('msg' || p.g || '-' || t.k)::uuid, md5('ticket' || p.g)::uuid, t.action, t.reason, 'ru', p.opened
     FROM plan p
     CROSS JOIN LATERAL (VALUES (1, CASE WHEN p.bot = 'deflected' THEN 'answer' ELSE 'suggest' END, NULL), (3, CASE p.bot WHEN 'deflected' THEN 'deflected' ELSE 'handoff' END, 'not_helpful')) AS t(k, action, reason)
     WHERE p.bot <> 'none' AND t.k <= $1`,
    [PER_TICKET],
  );
  await client.query(`SET session_replication_role = DEFAULT`);
  const counts = await client.query<{ tickets: number; messages: number; turns: number }>(
    `SELECT (SELECT count(*) FROM "Ticket")::int AS tickets, (SELECT count(*) FROM "Message")::int AS messages, (SELECT count(*) FROM "BotTurn")::int AS turns`,
  );
  return counts.rows[0] as unknown as Record<string, number>;
}

interface Shape {
  report: string;
  range: string;
  filter: string;
  path: string;
}

/** The report shapes timed: the summary over three ranges and six slices, every series by day (30 d) and week (a year). */
function shapes(): Shape[] {
  const DAY = 86_400_000;
  const now = Date.now();
  const ranges: Record<string, [string, string, 'day' | 'week']> = {
    '7d': [new Date(now - 7 * DAY).toISOString(), new Date(now).toISOString(), 'day'],
    '30d': [new Date(now - 30 * DAY).toISOString(), new Date(now).toISOString(), 'day'],
    '365d': [new Date(now - 365 * DAY).toISOString(), new Date(now).toISOString(), 'week'],
  };
  const filters: Record<string, string> = {
    all: '',
    'channel=telegram': '&channel=telegram',
    'team=billing': '&team=billing',
    'agent=agent07': '&agent=agent07',
    'category=delivery': '&category=delivery',
    'widget+telegram,support,payment': '&channel=widget,telegram&team=support&category=payment',
  };
  const out: Shape[] = [];
  for (const [range, [from, to]] of Object.entries(ranges)) {
    for (const [filter, q] of Object.entries(filters)) {
      out.push({ report: 'summary', range, filter, path: `/api/v1/reports/summary?from=${from}&to=${to}${q}` });
    }
  }
  for (const metric of SERIES_METRICS) {
    for (const range of ['30d', '365d'] as const) {
      const [from, to, interval] = ranges[range]!;
      for (const filter of ['all', 'widget+telegram,support,payment']) {
        out.push({ report: `series ${metric}/${interval}`, range, filter, path: `/api/v1/reports/timeseries?metric=${metric}&interval=${interval}&from=${from}&to=${to}${filters[filter]}` });
      }
    }
  }
  return out;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

/** Times every shape: one warm-up call, then RUNS calls; p50 and p99 (nearest rank) of those. */
async function timeAll(base: string): Promise<Array<Shape & { p50: number; p99: number }>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const call = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      http
        .get(`${base}${path}`, { agent }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  const results = [];
  for (const shape of shapes()) {
    await call(shape.path);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await call(shape.path));
    times.sort((a, b) => a - b);
    results.push({ ...shape, p50: pct(times, 50), p99: pct(times, 99) });
  }
  agent.destroy();
  return results;
}

function printTable(title: string, rows: Array<Shape & { p50: number; p99: number }>): void {
  console.log(`\n${title}`);
  console.log(`${'report'.padEnd(24)} ${'range'.padEnd(6)} ${'filter'.padEnd(32)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const r of rows) {
    console.log(`${r.report.padEnd(24)} ${r.range.padEnd(6)} ${r.filter.padEnd(32)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)}`);
  }
}

function stats(rows: Array<Shape & { p50: number; p99: number }>) {
  const slowest = rows.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  const summaries = rows.filter((r) => r.report === 'summary');
  const series = rows.filter((r) => r.report !== 'summary');
  const max = (list: typeof rows, key: 'p50' | 'p99') => +Math.max(...list.map((r) => r[key])).toFixed(1);
  return {
    summary_p50_max_ms: max(summaries, 'p50'),
    summary_p99_max_ms: max(summaries, 'p99'),
    series_p50_max_ms: max(series, 'p50'),
    series_p99_max_ms: max(series, 'p99'),
    slowest: `${slowest.report} ${slowest.range} ${slowest.filter}: p99 ${slowest.p99.toFixed(1)} ms`,
    all_under_500ms: rows.every((r) => r.p99 < 500),
  };
}

async function main(): Promise<void> {
  const desk = await loadDeskConfig(args['desk-config']!);
  const settings = new DeskSettings(desk);
  const slaNames = desk.sla.map((p) => (p.category ? `${p.priority}/${p.category}` : p.priority));
  const admin = new pg.Client({ connectionString: dbUrl('postgres') });
  await admin.connect();
  const url = dbUrl(dbName);
  let server: http.Server | undefined;
  let db: ReturnType<typeof createDb> | undefined;
  try {
    console.log(`database ${dbName}: migrating …`);
    await migrateDatabase(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    console.log(`seeding ${TICKETS} tickets × ${PER_TICKET} messages …`);
    const t0 = performance.now();
    const counts = await seed(client, slaNames);
    db = createDb(url);
    const t1 = performance.now();
    const rebuilt = await rebuildTicketCounts(db);
    console.log(`  ticket counts: ${rebuilt} rebuilt in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    // The rebuild rewrote most ticket rows: compact the table, as a load that had the counts from the start would be.
    await client.query('VACUUM FULL "Ticket"');
    await client.query('ANALYZE');
    const seedSeconds = (performance.now() - t0) / 1000;
    console.log(`seeded ${JSON.stringify(counts)} in ${seedSeconds.toFixed(1)} s`);

    const app = express();
    app.use('/api/v1', reportsRouter({ reports: new ReportService(db, settings), settings }));
    app.use(errorHandler(createLogger('silent')));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    const rows = await timeAll(base);
    printTable('reports', rows);
    await client.end();
    console.log(JSON.stringify({ bench: 'reports', ...counts, seed_seconds: +seedSeconds.toFixed(1), runs: RUNS, ...stats(rows) }));
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await db?.$disconnect();
    if (args.keep) console.log(`kept database ${dbName}`);
    else await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
