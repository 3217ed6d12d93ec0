/**
 * Ingest benchmark: `npm run bench:ingest [-- --messages 10000 --conversations 1000 --concurrency 8]`.
 *
 * Starts the gateway as its own process (the same `src/main.ts` that `npm start` runs) on a
 * fresh database and Redis prefix, drives the API channel with signed `POST /api/v1/inbound`
 * requests spread over many conversations, and prints throughput and latency. Then it checks
 * PostgreSQL: every message sent must be stored exactly once, in one ticket per conversation.
 *
 * What the desk sends back (the bot's answers, auto-replies) goes to a webhook receiver in this
 * process, as an integrator's would: replies are delivered, not failed for want of a webhook.
 *
 * The load generator runs in this process, so on a 2-core machine it competes with the gateway
 * for CPU: the figures are a floor, not a best case. `--url` drives a gateway that is already
 * running instead (give it `--secret` and `--database-url` too, for the check).
 * The last line printed is a one-line JSON summary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sign } from '../src/signature.js';
import { deleteKeysWithPrefix } from '../src/redis.js';
import { freePort } from '../scripts/lib/net.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    conversations: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '500' },
    url: { type: 'string' },
    secret: { type: 'string' },
    'database-url': { type: 'string' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    keep: { type: 'boolean', default: false },
  },
});

const total = Number(args.messages);
const conversations = Number(args.conversations);
const concurrency = Number(args.concurrency);
const warmup = Number(args.warmup);
const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function adminDbUrl(dbName: string): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${dbName}`;
  return url.toString();
}


/** Starts `src/main.ts` as `npm start` does and waits until /healthz answers. */
async function startGateway(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with code ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error('the gateway did not become healthy within 60 s');
}

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

/** One signed inbound POST; resolves with the status code. */
function post(base: URL, secret: string, body: object): Promise<number> {
  const raw = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path: '/api/v1/inbound',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': raw.length, 'x-signature': sign(secret, raw) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(raw);
  });
}

/** Sends `count` messages with `concurrency` in flight; message k goes to conversation k mod n. */
async function drive(base: URL, secret: string, prefix: string, count: number, n: number) {
  const latencies = new Float64Array(count);
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  async function lane(): Promise<void> {
    for (let k = next++; k < count; k = next++) {
      const conv = k % n;
      const body = {
        chatId: `${prefix}-chat-${conv}`,
        messageId: `${prefix}-msg-${k}`,
        from: { id: `${prefix}-user-${conv}`, name: `Customer ${conv}` },
        text: `Message ${Math.floor(k / n) + 1} about order ${conv}: where is my parcel?`,
      };
      const t0 = performance.now();
      const status = await post(base, secret, body).catch((err: Error) => err.message);
      latencies[k] = performance.now() - t0;
      if (status !== 202) failures.push(`message ${k}: ${typeof status === 'number' ? `HTTP ${status}` : status}`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  const all = percentiles(Array.from(latencies));
  // The first message of each conversation creates its contact, conversation and ticket: the slow path.
  const first = percentiles(Array.from(latencies.subarray(0, n)));
  return { seconds, rate: count / seconds, ...all, firstP99: first.p99, failures };
}

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = values.sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { p50: pct(50), p99: pct(99), max: sorted.at(-1) ?? 0 };
}

/** Every message sent stored once, one ticket per conversation. */
async function check(databaseUrl: string, prefix: string) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const like = `${prefix}-msg-%`;
    const messages = await db.query<{ rows: string; distinct: string }>(
      `SELECT count(*) AS rows, count(DISTINCT "platformMessageId") AS distinct FROM "Message" WHERE channel = 'api' AND "platformMessageId" LIKE $1`,
      [like],
    );
    const tickets = await db.query<{ n: string }>(
      `SELECT count(DISTINCT m."ticketId") AS n FROM "Message" m WHERE m.channel = 'api' AND m."platformMessageId" LIKE $1`,
      [like],
    );
    const row = messages.rows[0]!;
    return { stored: Number(row.rows), distinct: Number(row.distinct), tickets: Number(tickets.rows[0]!.n) };
  } finally {
    await db.end();
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux only). */
async function cpuSeconds(pid: number | undefined): Promise<number | null> {
  if (!pid) return null;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

/** The integrator's webhook: answers every reply 200 and counts them. */
async function startReplyReceiver(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/replies`,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  let child: ChildProcess | undefined;
  let receiver: Awaited<ReturnType<typeof startReplyReceiver>> | undefined;
  let base: URL;
  let secret: string;
  let databaseUrl: string;
  const dbName = `omnidesk_bench_${runId}`;
  const redisPrefix = `bench:${runId}`;
  if (args.url) {
    if (!args.secret || !args['database-url']) throw new Error('--url needs --secret and --database-url');
    base = new URL(args.url);
    secret = args.secret;
    databaseUrl = args['database-url'];
  } else {
    const port = await freePort();
    secret = randomBytes(16).toString('hex');
    databaseUrl = adminDbUrl(dbName);
    base = new URL(`http://127.0.0.1:${port}`);
    receiver = await startReplyReceiver();
    console.log(`starting the gateway on ${base.origin} with database ${dbName} …`);
    child = await startGateway(
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        REDIS_URL: args['redis-url'],
        REDIS_PREFIX: redisPrefix,
        API_CHANNEL_SECRET: secret,
        API_CHANNEL_WEBHOOK_URL: receiver.url,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        ADMIN_TOKEN: randomBytes(16).toString('hex'),
        APP_SECRET: randomBytes(16).toString('hex'),
        SERVE_DEMO: 'false',
      },
      port,
    );
  }

  try {
    if (warmup > 0) await drive(base, secret, `warm-${runId}`, warmup, Math.min(warmup, 100));
    console.log(`sending ${total} messages over ${conversations} conversations, ${concurrency} in flight …`);
    const cpuBefore = await cpuSeconds(child?.pid);
    const result = await drive(base, secret, `bench-${runId}`, total, conversations);
    const cpuAfter = await cpuSeconds(child?.pid);
    // CPU per message is steadier than msg/s on a busy machine: other work does not inflate it.
    const cpuMsPerMessage = cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) * 1000) / total : null;
    const stored = await check(databaseUrl, `bench-${runId}`);
    const exactlyOnce = stored.stored === total && stored.distinct === total;
    console.log(
      `${result.rate.toFixed(0)} msg/s · p50 ${result.p50.toFixed(1)} ms · p99 ${result.p99.toFixed(1)} ms · max ${result.max.toFixed(1)} ms · ` +
        `stored ${stored.stored}/${total} (${stored.distinct} distinct) in ${stored.tickets} tickets`,
    );
    if (result.failures.length) console.log(`${result.failures.length} failed requests, e.g.:\n  ${result.failures.slice(0, 10).join('\n  ')}`);
    const summary = {
      messages: total,
      conversations,
      concurrency,
      seconds: +result.seconds.toFixed(2),
      msgs_per_s: Math.round(result.rate),
      p50_ms: +result.p50.toFixed(1),
      p99_ms: +result.p99.toFixed(1),
      max_ms: +result.max.toFixed(1),
      first_message_p99_ms: +result.firstP99.toFixed(1),
      gateway_cpu_ms_per_msg: cpuMsPerMessage === null ? null : +cpuMsPerMessage.toFixed(2),
      stored: stored.stored,
      distinct: stored.distinct,
      tickets: stored.tickets,
      exactly_once: exactlyOnce,
      tickets_match_conversations: stored.tickets === conversations,
      // Replies (bot answers, auto-replies) the gateway had delivered to the webhook when sending ended.
      replies_delivered: receiver ? receiver.received() : null,
    };
    console.log(JSON.stringify(summary));
    if (!exactlyOnce || result.failures.length) process.exitCode = 1;
  } finally {
    agent.destroy();
    await receiver?.close();
    if (child) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (!args.keep) await cleanUp(dbName, redisPrefix);
    }
  }
}

async function cleanUp(dbName: string, redisPrefix: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminDbUrl('postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).finally(() => admin.end());
  await deleteKeysWithPrefix(args['redis-url'], redisPrefix);
}

await main();
