/**
 * The bot's buttons in the widget as a visitor uses them, in headless Chromium: once answered they
 * stay answered, after a reload too, so an old "yes" cannot be pressed again.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let t: TestGateway;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  [t, browser] = await Promise.all([
    startTestGateway({ SERVE_DEMO: 'true', KB_DIR: SAMPLE_KB_DIR }),
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
/** The bot's buttons in the chat: [label, enabled, chosen] per button, in order. */
const buttonStates = (page: Page) =>
  byTestId(page, 'od-msg-button').evaluateAll((els) =>
    els.map((el) => [el.textContent, !(el as HTMLButtonElement).disabled, el.classList.contains('is-chosen')] as const));

describe('the bot buttons in the widget', () => {
  it('are spent once answered, live and after a reload, with the pressed one marked', async () => {
    const context = await browser.newContext({ locale: 'en-US', baseURL: t.baseUrl });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto('/');
    await byTestId(page, 'od-bubble').click();
    await byTestId(page, 'od-name').fill('Kate');
    await byTestId(page, 'od-contact').fill('kate@example.com');
    await byTestId(page, 'od-form-message').fill('How long does delivery take?');
    await byTestId(page, 'od-submit').click();

    const yes = byTestId(page, 'od-msg-button').filter({ hasText: 'Yes, thanks' });
    await yes.waitFor();
    expect(await buttonStates(page)).toEqual([['Yes, thanks', true, false], ['No', true, false]]);
    await yes.click();
    await page.locator('[data-testid="od-msg"][data-author-kind="bot"]').filter({ hasText: 'Glad it helped!' }).waitFor();
    expect(await buttonStates(page)).toEqual([['Yes, thanks', false, true], ['No', false, false]]);

    await page.reload();
    await byTestId(page, 'od-bubble').click();
    await page.locator('[data-testid="od-msg"][data-author-kind="bot"]').filter({ hasText: 'Glad it helped!' }).waitFor();
    expect(await buttonStates(page)).toEqual([['Yes, thanks', false, true], ['No', false, false]]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
