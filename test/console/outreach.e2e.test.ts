/**
 * "Message the customer" on the ticket page, in headless Chromium (playwright-core) against a whole
 * gateway on real PostgreSQL and Redis (the desk of test/reports/desk.yaml: agent anna):
 * a customer who wrote on the API channel and on Telegram (two contacts linked into one) has a
 * resolved ticket; agent Anna opens it, picks the API channel, writes, and lands on the new ticket,
 * which is hers and agent-initiated, while the text reaches the API channel's webhook. Writing again
 * while that ticket is open points at it instead of opening another. Anna then edits her reply in
 * place: the API channel gets the signed edit, and a reply someone else sent has no edit button.
 *
 * Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH) and builds the console first if its build
 * is missing or stale (npm run build:console).
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeHistory } from '../reports/history.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { ConsoleBrowser, testId } from './browser.js';
import { addUser } from './support.js';

const AGENT = 'anna@example.com';

let t: TestGateway;
let ui: ConsoleBrowser;
let hook: WebhookReceiver;
let password: string;

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  [t, ui] = await Promise.all([
    startTestGateway({ DESK_CONFIG: 'test/reports/desk.yaml', BOT_ENABLED: 'false', API_CHANNEL_WEBHOOK_URL: hook.url }),
    ConsoleBrowser.launch(),
  ]);
  password = await addUser(t, AGENT, 'agent', { agent: 'anna' });
});

afterEach(() => {
  expect(ui.takeErrors(), 'script errors in the page').toEqual([]);
});

afterAll(async () => {
  await ui?.close();
  await t?.stop();
  await hook?.close();
});

interface TicketJson {
  number: number;
  status: string;
  origin: string;
  channel: string;
  assignee: { handle: string } | null;
  firstResponseDueAt: string | null;
  contact: { id: string };
  messages: Array<{ author: { kind: string; name: string | null }; text: string }>;
}

const ticket = async (number: number) => (await (await t.api('GET', `/tickets/${number}`)).json()) as TicketJson;

describe('message the customer from the ticket page', () => {
  it('an agent writes to the customer on the channel they pick and lands on the new ticket', async () => {
    // Olga wrote through the API channel; her ticket was answered and resolved.
    const sent = await t.inbound({ chatId: 'olga-chat', messageId: 'olga-1', from: { id: 'olga-9', name: 'Olga Sidorova' }, text: 'Is my order packed?' });
    expect(sent.status).toBe(202);
    const resolved = ((await sent.json()) as { ticketNumber: number }).ticketNumber;
    expect((await t.api('PATCH', `/tickets/${resolved}`, { status: 'resolved' })).status).toBe(200);
    const contactId = (await ticket(resolved)).contact.id;
    // She also wrote on Telegram (another contact, linked into this one): a second channel to pick from.
    const ids = await writeHistory(t.databaseUrl, [{ key: 'olga-tg', channel: 'telegram', status: 'closed', openedAt: new Date(Date.now() - 86_400_000), resolvedAt: new Date(), closedAt: new Date() }]);
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    let telegramContact: string;
    try {
      telegramContact = (await db.query<{ contactId: string }>(`SELECT "contactId" FROM "Ticket" WHERE "id" = $1`, [ids.get('olga-tg')])).rows[0]!.contactId;
    } finally {
      await db.end();
    }
    expect((await t.api('POST', `/contacts/${contactId}/link`, { contactId: telegramContact })).status).toBe(200);

    const page = await ui.signIn(t.baseUrl, AGENT, password);
    await page.goto(`/admin/tickets/${resolved}`);
    await page.locator(`[data-testid="ticket"][data-number="${resolved}"]`).waitFor();
    await testId(page, 'customer-history').waitFor();
    await testId(page, 'message-customer').click();
    const channel = testId(page, 'outreach-channel');
    await channel.waitFor();
    expect((await channel.locator('option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))).sort()).toEqual(['api', 'telegram']);
    await channel.selectOption('api');
    const text = 'Olga, your order is packed and leaves tomorrow morning.';
    await testId(page, 'outreach-text').fill(text);
    await testId(page, 'outreach-send').click();

    // The console goes to the new ticket, which shows the message and says an agent started it.
    await page.waitForURL((url) => /\/admin\/tickets\/\d+$/.test(url.pathname) && url.pathname !== `/admin/tickets/${resolved}`);
    const number = Number(new URL(page.url()).pathname.split('/').pop());
    await page.locator(`[data-testid="ticket"][data-number="${number}"]`).waitFor();
    await testId(page, 'ticket-origin-agent').waitFor();
    await page.locator('[data-testid="message-text"]', { hasText: text }).waitFor();
    expect(await testId(page, 'ticket-status').getAttribute('data-status')).toBe('pending');
    expect(await testId(page, 'ticket-status').textContent()).toBe('Pending');

    // On the server: Anna's agent-initiated ticket on the API conversation, the text delivered there.
    const created = await ticket(number);
    expect(created).toMatchObject({ origin: 'agent', channel: 'api', status: 'pending', assignee: { handle: 'anna' }, firstResponseDueAt: null });
    expect(created.messages).toMatchObject([{ author: { kind: 'agent', name: 'Anna' }, text }]);
    const delivered = await eventually(() => hook.received.find((r) => r.body.ticketNumber === number), 10_000, 'the delivery to the API channel');
    expect(delivered.body).toMatchObject({ chatId: 'olga-chat', text });
    expect((await ticket(resolved)).status).toBe('closed');

    // Again, while that ticket waits: the console points at it, and nothing new is opened.
    await testId(page, 'message-customer').click();
    await testId(page, 'outreach-channel').selectOption('api');
    await testId(page, 'outreach-text').fill('One more thing');
    await testId(page, 'outreach-send').click();
    const existing = testId(page, 'outreach-existing');
    await existing.waitFor();
    expect(await existing.textContent()).toContain(`#${number}`);
    expect(new URL(page.url()).pathname).toBe(`/admin/tickets/${number}`);
    expect(((await (await t.api('GET', '/tickets?origin=agent')).json()) as { total: number }).total).toBe(1);
  }, 60_000);

  it("an agent edits their own reply in place, and the customer's copy is edited", async () => {
    const sent = await t.inbound({ chatId: 'ivan-chat', messageId: 'ivan-1', from: { id: 'ivan-3', name: 'Ivan Orlov' }, text: 'When do you open?' });
    const number = ((await sent.json()) as { ticketNumber: number }).ticketNumber;
    const reply = async (body: Record<string, unknown>) => ((await (await t.api('POST', `/tickets/${number}/messages`, body)).json()) as { messageId: string }).messageId;
    const mine = await reply({ text: 'We open at 9:00.', agent: 'anna' });
    const other = await reply({ text: 'Have a nice day!' });
    for (const id of [mine, other]) await eventually(() => hook.received.find((r) => r.body.messageId === id && r.body.event === undefined), 10_000, 'the reply delivered');
    // Sent by us, so editable here (unlike a reply written in a shared Slack channel, test/adapters/slack/channel.test.ts).
    const view = (await (await t.api('GET', `/tickets/${number}`)).json()) as { messages: { id: string; writtenOnPlatform: boolean }[] };
    expect(view.messages.find((m) => m.id === mine)?.writtenOnPlatform).toBe(false);

    const page = await ui.signIn(t.baseUrl, AGENT, password);
    await page.goto(`/admin/tickets/${number}`);
    const annas = page.locator('[data-testid="message"]', { hasText: 'We open at 9:00.' });
    await annas.waitFor();
    // Only her own reply can be edited by her.
    expect(await page.locator('[data-testid="message"]', { hasText: 'Have a nice day!' }).locator('[data-testid="edit-message"]').count()).toBe(0);
    // Nor one she wrote in the customer's own chat (recorded as delivered there, src/core/platformReplies.ts): she edits it there.
    await t.gateway.tickets.reply(number, { text: 'Written in their chat.', agent: 'anna', delivered: { platformMessageId: 'their-chat-1', sentAt: new Date() } });
    await page.reload();
    const there = page.locator('[data-testid="message"]', { hasText: 'Written in their chat.' });
    await there.waitFor();
    expect(await there.locator('[data-testid="edit-message"]').count()).toBe(0);
    await annas.waitFor();
    await annas.locator('[data-testid="edit-message"]').click();
    // The text turns into the editor (one open at a time here).
    await testId(page, 'edit-text').fill('We open at 10:00.');
    await testId(page, 'edit-save').click();

    const edited = page.locator('[data-testid="message"]', { hasText: 'We open at 10:00.' });
    await edited.locator('[data-testid="edited"]').waitFor();
    const hookEdit = await eventually(() => hook.received.find((r) => r.body.event === 'message.edited' && r.body.messageId === mine), 10_000, 'the edit delivered');
    expect(hookEdit.body).toMatchObject({ chatId: 'ivan-chat', text: 'We open at 10:00.', previousText: 'We open at 9:00.' });
    const after = (await (await t.api('GET', `/tickets/${number}`)).json()) as { messages: Array<{ id: string; text: string; edits: Array<{ previousText: string }> }> };
    expect(after.messages.find((m) => m.id === mine)).toMatchObject({ text: 'We open at 10:00.', edits: [{ previousText: 'We open at 9:00.' }] });
  }, 60_000);
});
