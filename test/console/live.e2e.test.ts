/**
 * The console refreshes itself when something changes (console/src/live.ts over GET /api/v1/live),
 * in headless Chromium against a whole gateway on real PostgreSQL and Redis. The pages' poll behind
 * the stream runs every 30 s, so what shows up within a few seconds came through the stream: a new
 * ticket in an open inbox, a customer's next message and an agent's reply on an open ticket.
 *
 * Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH) and builds the console first if its build
 * is missing or stale (npm run build:console).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_SECRET, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { ConsoleBrowser, testId } from './browser.js';
import { addUser } from './support.js';

const AGENT = 'lena@example.com';
/** Well under the pages' 30 s fallback poll. */
const LIVE_MS = 5000;

let t: TestGateway;
let ui: ConsoleBrowser;
let hook: WebhookReceiver;
let password: string;

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  [t, ui] = await Promise.all([startTestGateway({ BOT_ENABLED: 'false', API_CHANNEL_WEBHOOK_URL: hook.url }), ConsoleBrowser.launch()]);
  password = await addUser(t, AGENT, 'agent');
});

afterEach(() => {
  expect(ui.takeErrors(), 'script errors in the page').toEqual([]);
});

afterAll(async () => {
  await ui?.close();
  await t?.stop();
  await hook?.close();
});

const write = async (chatId: string, name: string, text: string) => {
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name }, text });
  return ((await res.json()) as { ticketNumber: number }).ticketNumber;
};

describe('live refresh', () => {
  it('a new ticket appears in the open inbox, and a message on the open ticket page, without a reload', async () => {
    await write(`chat-${randomUUID()}`, 'First Customer', 'Hello there');
    const page = await ui.signIn(t.baseUrl, AGENT, password);
    await page.goto('/admin/inbox');
    await testId(page, 'ticket-row').first().waitFor();

    const number = await write(`chat-live`, 'Marta Live', 'My order has not arrived');
    await page.locator(`[data-testid="ticket-row"][data-number="${number}"]`).waitFor({ timeout: LIVE_MS });

    await page.goto(`/admin/tickets/${number}`);
    await page.locator('[data-testid="message"]', { hasText: 'My order has not arrived' }).waitFor();
    expect(await write('chat-live', 'Marta Live', 'It was due on Monday')).toBe(number);
    await page.locator('[data-testid="message"]', { hasText: 'It was due on Monday' }).waitFor({ timeout: LIVE_MS });

    // A reply sent from elsewhere (the API here; a desk in Slack or Telegram alike) shows too.
    expect((await t.api('POST', `/tickets/${number}/messages`, { text: 'It ships today.' })).status).toBe(201);
    await page.locator('[data-testid="message"]', { hasText: 'It ships today.' }).waitFor({ timeout: LIVE_MS });
  });
});
