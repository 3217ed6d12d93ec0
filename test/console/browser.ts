/**
 * Headless Chromium for the console's browser tests: one browser per test file, pages that
 * collect the app's script errors (a test file checks them after each test), and signing in
 * through the form as a person does. Builds the console first if its build is missing or stale.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from '../../src/console/build.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** How long a page may take to show what a test waits for. */
export const UI_TIMEOUT = 15_000;

export type Viewport = { width: number; height: number };

/** An element by its `data-testid`. */
export const testId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

export class ConsoleBrowser {
  private readonly contexts: BrowserContext[] = [];
  private errors: string[] = [];

  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<ConsoleBrowser> {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: the console e2e tests need it (apt-get install chromium, or set CHROMIUM_PATH).`);
    ensureConsoleBuilt();
    return new ConsoleBrowser(await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }));
  }

  /** A page in a fresh context (its own cookies) on the gateway at `baseURL`, in English. */
  async newPage(baseURL: string, viewport: Viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await this.browser.newContext({ locale: 'en-US', baseURL, viewport });
    this.contexts.push(context);
    context.setDefaultTimeout(UI_TIMEOUT);
    const page = await context.newPage();
    page.on('pageerror', (err) => this.errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // Answers the app handles (401 before sign-in, 400 naming a bad line, 403s a test provokes)
      // are still logged by Chromium as failed resources.
      if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) this.errors.push(`console: ${msg.text()}`);
    });
    return page;
  }

  /** Signs in through the form; returns once the app shows who is in. */
  async signIn(baseURL: string, email: string, password: string, viewport?: Viewport): Promise<Page> {
    const page = await this.newPage(baseURL, viewport);
    await page.goto('/admin/');
    await testId(page, 'login-form').waitFor();
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await testId(page, 'login-submit').click();
    await testId(page, 'me').waitFor();
    return page;
  }

  /** The script errors the pages reported since the last call. */
  takeErrors(): string[] {
    const errors = this.errors;
    this.errors = [];
    return errors;
  }

  async close(): Promise<void> {
    for (const context of this.contexts) await context.close().catch(() => undefined);
    await this.browser.close();
  }
}
