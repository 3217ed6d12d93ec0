/**
 * Sign-in and the ticket page's side panel, in headless Chromium (playwright-core) against a whole
 * gateway on real PostgreSQL and Redis (the categories of test/fixtures/desk-basic.yaml):
 *  - a deep link opened signed out is where sign-in lands, and ?next= never leads off /admin;
 *  - after a merge the page moves to the target with the merge field and the reply box cleared, and a ticket is
 *    never offered to be merged into itself;
 *  - a category the desk configuration does not declare is refused, with the server's error shown,
 *    and nothing is stored; a declared one is saved, and clearing it still works.
 *
 * Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH) and builds the console first if its build
 * is missing or stale (npm run build:console).
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ConsoleBrowser, testId } from './browser.js';

const ADMIN = { email: 'admin@example.com', password: 'correct-horse-battery' };

let t: TestGateway;
let ui: ConsoleBrowser;

beforeAll(async () => {
  [t, ui] = await Promise.all([startTestGateway({ BOT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }), ConsoleBrowser.launch()]);
});

afterEach(() => {
  expect(ui.takeErrors(), 'script errors in the page').toEqual([]);
});

afterAll(async () => {
  await ui?.close();
  await t?.stop();
});

interface TicketJson {
  number: number;
  status: string;
  category: string | null;
  mergedInto?: unknown;
  contact: { id: string } | null;
}

const ticket = async (number: number) => (await (await t.api('GET', `/tickets/${number}`)).json()) as TicketJson;

/** A new ticket from a customer on the API channel (the same `customer` for tickets of one person). */
async function newTicket(customer = randomUUID()): Promise<number> {
  const res = await t.inbound({ chatId: randomUUID(), messageId: randomUUID(), from: { id: `u-${customer}`, name: 'Olga' }, text: 'Where is my order?' });
  expect(res.status).toBe(202);
  return ((await res.json()) as { ticketNumber: number }).ticketNumber;
}

/** Fills the sign-in form shown at the page's current address. */
async function fillSignIn(page: Page): Promise<void> {
  await testId(page, 'login-form').waitFor();
  await page.fill('input[name=email]', ADMIN.email);
  await page.fill('input[name=password]', ADMIN.password);
  await testId(page, 'login-submit').click();
  await testId(page, 'me').waitFor();
}

const path = (page: Page) => {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
};

describe('sign-in keeps the deep link', () => {
  it('a ticket opened signed out is the page sign-in lands on', async () => {
    const number = await newTicket();
    const page = await ui.newPage(t.baseUrl);
    await page.goto(`/admin/tickets/${number}`);
    await fillSignIn(page);
    await testId(page, 'ticket').waitFor();
    expect(await testId(page, 'ticket').getAttribute('data-number')).toBe(String(number));
    expect(path(page)).toBe(`/admin/tickets/${number}`);
  });

  it('?next= under /admin is followed, with its query', async () => {
    const page = await ui.newPage(t.baseUrl);
    await page.goto(`/admin/login?next=${encodeURIComponent('/admin/inbox?status=open')}`);
    await fillSignIn(page);
    await expect.poll(() => path(page)).toBe('/admin/inbox?status=open');
  });

  it('?next= off /admin, or to another site, lands on the dashboard instead', async () => {
    for (const next of ['https://evil.example/admin/', '//evil.example/admin/', '/\\evil.example/admin/', '/api/v1/tickets', '/admin/../widget.js', 'javascript:alert(1)']) {
      const page = await ui.newPage(t.baseUrl);
      await page.goto(`/admin/login?next=${encodeURIComponent(next)}`);
      await fillSignIn(page);
      await expect.poll(() => path(page), { message: next }).toBe('/admin/');
      expect(new URL(page.url()).origin).toBe(t.baseUrl.replace(/\/$/, ''));
    }
  }, 90_000);
});

describe('the ticket page', () => {
  it('after a merge, the target is shown with the merge field cleared; a ticket is not offered to merge into itself', async () => {
    const customer = randomUUID();
    const target = await newTicket(customer);
    const source = await newTicket(customer);
    expect(source).not.toBe(target);
    expect((await ticket(source)).contact?.id).toBe((await ticket(target)).contact?.id);

    const page = await ui.newPage(t.baseUrl);
    await page.goto(`/admin/tickets/${source}`);
    await fillSignIn(page);
    await testId(page, 'ticket').waitFor();
    expect(await testId(page, 'ticket').getAttribute('data-number')).toBe(String(source));

    // Its own number: no merge offered.
    await testId(page, 'merge-into').fill(String(source));
    expect(await testId(page, 'merge').isDisabled()).toBe(true);

    await testId(page, 'merge-into').fill(String(target));
    expect(await testId(page, 'merge').isEnabled()).toBe(true);
    // A reply half-written for the merged ticket must not wait in the box of the next one.
    await testId(page, 'reply-text').fill('Half-written reply for the merged ticket');
    await testId(page, 'merge').click();
    await page.locator(`[data-testid="ticket"][data-number="${target}"]`).waitFor();
    expect(path(page)).toBe(`/admin/tickets/${target}`);
    expect(await testId(page, 'merge-into').inputValue()).toBe('');
    expect(await testId(page, 'reply-text').inputValue()).toBe('');
    expect(await testId(page, 'merge').isDisabled()).toBe(true);
    expect((await testId(page, 'merge').textContent())?.trim()).not.toContain(String(target));
    expect(await testId(page, 'ticket-error').count()).toBe(0);
    expect((await ticket(source)).status).toBe('closed');
  });

  it('refuses a category the configuration does not declare, shows why, and saves a declared one', async () => {
    const number = await newTicket();
    const page = await ui.newPage(t.baseUrl);
    await page.goto(`/admin/tickets/${number}`);
    await fillSignIn(page);
    await testId(page, 'ticket').waitFor();

    // The field offers the configured categories.
    await expect.poll(() => page.locator('#od-topics option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['orders', 'delivery', 'returns', 'payment', 'account', 'other']);

    await testId(page, 'prop-category').fill('nonexistent/cat');
    await testId(page, 'apply').click();
    await testId(page, 'ticket-error').waitFor();
    expect(await testId(page, 'ticket-error').textContent()).toContain('unknown category "nonexistent/cat"');
    expect(await testId(page, 'prop-category').inputValue()).toBe('nonexistent/cat');
    expect((await ticket(number)).category).toBeNull();

    await testId(page, 'prop-category').fill('delivery');
    await testId(page, 'apply').click();
    await testId(page, 'notice').waitFor();
    expect(await testId(page, 'ticket-error').count()).toBe(0);
    await expect.poll(async () => (await ticket(number)).category).toBe('delivery');

    await testId(page, 'prop-category').fill('');
    await testId(page, 'apply').click();
    await expect.poll(async () => (await ticket(number)).category).toBeNull();
    expect(await testId(page, 'ticket-error').count()).toBe(0);
  });
});
