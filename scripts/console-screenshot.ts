/**
 * `npm run console:screenshot` writes docs/dashboard.png, the README's picture of the console:
 * a gateway on a scratch database (created and dropped here) with a month of generated tickets,
 * signed in as an admin in headless Chromium (playwright-core, CHROMIUM_PATH).
 * Needs PostgreSQL and Redis as `npm start` does (DATABASE_URL's server, REDIS_URL).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createGateway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ensureConsoleBuilt } from '../src/console/build.js';
import { dropDatabase } from '../test/support/db.js';
import { writeHistory, type TicketSpec } from '../test/reports/history.js';
import { createLogger } from '../src/logger.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(root, 'docs/dashboard.png');
const ADMIN = { email: 'admin@example.com', password: 'screenshot-password' };
const HOUR = 3_600_000;

/** A small deterministic PRNG, so the picture is the same from run to run (for the same day). */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

/** A month of tickets: more on weekdays, most resolved, some late, some the bot solved alone. */
function history(now: number): TicketSpec[] {
  const rnd = prng(7);
  const channels = ['widget', 'telegram', 'vk', 'whatsapp', 'api'] as const;
  const specs: TicketSpec[] = [];
  for (let day = 29; day >= 0; day--) {
    const start = now - day * 24 * HOUR;
    const weekday = new Date(start).getUTCDay() % 6 !== 0;
    const count = Math.round((weekday ? 9 : 4) + rnd() * 6);
    for (let i = 0; i < count; i++) {
      const openedAt = start - rnd() * 20 * HOUR;
      if (openedAt > now - HOUR) continue;
      const key = `d${day}-${i}`;
      const channel = channels[Math.floor(rnd() * channels.length)]!;
      const frMinutes = 5 + rnd() * rnd() * 300;
      const firstResponseDueAt = new Date(openedAt + 3 * HOUR);
      const resolutionDueAt = new Date(openedAt + 24 * HOUR);
      const recent = day < 2;
      if (rnd() < 0.18 && !recent) {
        const at = new Date(openedAt + 60_000);
        specs.push({ key, channel, status: 'resolved', openedAt: new Date(openedAt), resolvedAt: new Date(openedAt + 10 * 60_000), turns: [{ action: 'deflected', at }], firstResponseDueAt, resolutionDueAt });
        continue;
      }
      const firstRespondedAt = new Date(openedAt + frMinutes * 60_000);
      if (recent && rnd() < 0.6) {
        // Still waiting: most within their first-response target (a working day), some past it.
        const late = rnd() < 0.3;
        const due = new Date(late ? Math.min(openedAt + 3 * HOUR, now - 60_000) : Math.max(openedAt + 24 * HOUR, now + HOUR));
        specs.push({ key, channel, status: rnd() < 0.5 ? 'new' : 'open', priority: rnd() < 0.2 ? 'high' : 'normal', openedAt: new Date(openedAt), firstResponseDueAt: due, resolutionDueAt: new Date(due.getTime() + 24 * HOUR), overdue: late });
        continue;
      }
      const resolvedAt = new Date(firstRespondedAt.getTime() + (1 + rnd() * rnd() * 40) * HOUR);
      const rated = rnd() < 0.5;
      specs.push({
        key,
        channel,
        status: 'resolved',
        openedAt: new Date(openedAt),
        firstRespondedAt,
        resolvedAt,
        firstResponseDueAt,
        resolutionDueAt,
        ...(rated ? { csat: { score: Math.min(5, Math.max(1, Math.round(3.4 + rnd() * 2.2))), ratedAt: new Date(resolvedAt.getTime() + HOUR) } } : {}),
      });
    }
  }
  return specs;
}

async function main(): Promise<void> {
  ensureConsoleBuilt();
  const base = loadConfig();
  const url = new URL(base.DATABASE_URL);
  url.pathname = `/omnidesk_screenshot_${Date.now()}`;
  const databaseUrl = url.toString();
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: `screenshot:${Date.now()}`,
    ADMIN_TOKEN: 'screenshot',
    APP_SECRET: 'screenshot',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    BOT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
  });
  const gateway = await createGateway(config, createLogger(config.LOG_LEVEL));
  const browser = await chromium.launch({ executablePath: config.CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const port = await gateway.start(0, '127.0.0.1');
    await writeHistory(databaseUrl, history(Date.now()));
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'en-US', baseURL: `http://127.0.0.1:${port}` });
    await page.goto('/admin/');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', ADMIN.password);
    await page.click('[data-testid="login-submit"]');
    await page.locator('[data-testid="tile-volume-value"]').waitFor();
    await page.locator('[data-testid="chart-deflection"] canvas').waitFor();
    await page.waitForTimeout(500);
    await mkdir(path.dirname(OUT), { recursive: true });
    await page.screenshot({ path: OUT, fullPage: true });
    console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
  } finally {
    await browser.close();
    await gateway.stop();
    await dropDatabase(databaseUrl);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
