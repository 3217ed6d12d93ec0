/**
 * The configuration page's calendar and automation forms, used as an admin would in headless
 * Chromium (playwright-core) against a whole gateway on real PostgreSQL and Redis: what is saved
 * in the forms is the stored desk configuration, and a value the server refuses shows its error
 * (naming the field) and stores nothing.
 *
 * Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH) and builds the console first if its build
 * is missing or stale (npm run build:console).
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ConsoleBrowser, testId } from './browser.js';

const ADMIN = { email: 'admin@example.com', password: 'correct-horse-battery' };

interface Stored {
  version: number;
  yaml: string;
  config: {
    calendars: Record<string, { timeZone: string; hours: Record<string, string[]>; holidays: string[] }>;
    automation: Array<Record<string, unknown>>;
  };
}

let t: TestGateway;
let ui: ConsoleBrowser;
let admin: Page;
const stored = async () => (await (await t.api('GET', '/desk-config')).json()) as Stored;

beforeAll(async () => {
  [t, ui] = await Promise.all([startTestGateway({ BOT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }), ConsoleBrowser.launch()]);
  admin = await ui.signIn(t.baseUrl, ADMIN.email, ADMIN.password);
  await admin.goto('/admin/config');
  await testId(admin, 'config-page').waitFor();
});

afterEach(() => {
  expect(ui.takeErrors(), 'script errors in the page').toEqual([]);
});

afterAll(async () => {
  await ui?.close();
  await t?.stop();
});

describe('configuration forms', () => {
  it('calendars: a holiday, split hours and a new calendar saved in the form are the stored configuration', async () => {
    const before = await stored();
    await testId(admin, 'config-tab-sla').click();
    const office = admin.locator('[data-testid="calendar-row"]').nth(0);
    expect(await office.locator('input[name=name]').inputValue()).toBe('office');
    expect(await office.locator('input[name=timeZone]').inputValue()).toBe('Europe/Moscow');
    expect(await office.locator('input[name=hours-mon]').inputValue()).toBe('09:00-17:00');
    const holidays = office.locator('textarea[name=holidays]');
    expect(await holidays.inputValue()).toContain('2026-12-31');
    await holidays.fill(`${await holidays.inputValue()}\n2027-05-04`);
    await office.locator('input[name=hours-fri]').fill('09:00-13:00, 14:00-16:00');

    await testId(admin, 'calendar-add').click();
    const added = admin.locator('[data-testid="calendar-row"]').last();
    await added.locator('input[name=name]').fill('night-shift');
    await added.locator('input[name=timeZone]').fill('Asia/Yekaterinburg');
    await added.locator('input[name=hours-sat]').fill('00:00-24:00');
    await testId(admin, 'calendars-save').click();
    await testId(admin, 'config-notice').waitFor();

    const after = await stored();
    expect(after.version).toBe(before.version + 1);
    const { office: savedOffice, 'shop-floor': shopFloor, 'night-shift': night } = after.config.calendars;
    expect(savedOffice?.holidays).toEqual([...before.config.calendars.office!.holidays, '2027-05-04']);
    expect(savedOffice?.hours).toMatchObject({ mon: ['09:00-17:00'], fri: ['09:00-13:00', '14:00-16:00'] });
    expect(shopFloor).toEqual(before.config.calendars['shop-floor']);
    expect(night).toEqual({ timeZone: 'Asia/Yekaterinburg', hours: { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'], sat: ['00:00-24:00'] }, holidays: [] });
    // The SLA form offers the new calendar.
    expect(await admin.locator('[data-testid="sla-row"]').first().locator('select').nth(1).locator('option', { hasText: 'night-shift' }).count()).toBe(1);
  });

  it('calendars: hours the server refuses show its error naming the field, and nothing is stored', async () => {
    const before = await stored();
    const office = admin.locator('[data-testid="calendar-row"]').nth(0);
    await office.locator('input[name=hours-mon]').fill('25:00-26:00');
    await testId(admin, 'calendars-save').click();
    await expect.poll(() => testId(admin, 'config-error').textContent()).toMatch(/line \d+.*calendars\.office.*mon.*"25:00-26:00"/);
    const after = await stored();
    expect(after.version).toBe(before.version);
    expect(after.config.calendars.office?.hours.mon).toEqual(['09:00-17:00']);
    await office.locator('input[name=hours-mon]').fill('09:00-17:00');
  });

  it('automation: a rule with conditions and actions built in the form is stored, and shown again', async () => {
    const before = await stored();
    expect(before.config.automation).toEqual([]);
    await testId(admin, 'config-tab-automation').click();
    await testId(admin, 'automation-add-rule').click();
    const rule = admin.locator('[data-testid="automation-rule"]').last();
    await rule.locator('input[name=name]').fill('Refund requests go urgent');
    await rule.locator('select[name=when]').selectOption('message.received');

    const condition = async (key: string, value: string) => {
      await rule.locator('[data-testid="condition-add"]').click();
      const row = rule.locator('[data-testid="condition-row"]').last();
      await row.locator('select[name=key]').selectOption(key);
      if (key === 'businessHours' || key === 'bot') await row.locator('select[name=value]').selectOption(value);
      else await row.locator('input[name=value]').fill(value);
    };
    await condition('keywords', 'refund, возврат');
    await condition('attributes', 'vip: true');
    await condition('businessHours', 'true');
    await condition('bot', 'false');

    // A new rule starts with one (addTags) action.
    await rule.locator('[data-testid="action-row"]').first().locator('input[name=value]').fill('refund, money');
    const action = async (type: string, value: string, message?: string) => {
      await rule.locator('[data-testid="action-add"]').click();
      const row = rule.locator('[data-testid="action-row"]').last();
      await row.locator('select[name=type]').selectOption(type);
      await row.locator('input[name=value]').fill(value);
      if (message !== undefined) await row.locator('input[name=message]').fill(message);
    };
    await action('setPriority', 'urgent');
    await action('notify', 'supervisor', 'A refund was asked');
    await testId(admin, 'automation-save').click();
    await testId(admin, 'config-notice').waitFor();

    const after = await stored();
    expect(after.version).toBe(before.version + 1);
    expect(after.config.automation).toEqual([
      {
        name: 'Refund requests go urgent',
        when: 'message.received',
        if: { keywords: ['refund', 'возврат'], attributes: { vip: true }, businessHours: true, bot: false },
        then: [{ addTags: ['refund', 'money'] }, { setPriority: 'urgent' }, { notify: 'supervisor', message: 'A refund was asked' }],
      },
    ]);

    // The form shows the stored rule again, row by row.
    const shown = admin.locator('[data-testid="automation-rule"]');
    await expect.poll(() => shown.count()).toBe(1);
    expect(await shown.locator('input[name=name]').inputValue()).toBe('Refund requests go urgent');
    const conditions = shown.locator('[data-testid="condition-row"]');
    expect(await conditions.count()).toBe(4);
    expect(await conditions.nth(1).locator('input[name=value]').inputValue()).toBe('vip: true');
    expect(await conditions.nth(3).locator('select[name=value] option:checked').textContent()).toBe('people have the ticket');
    expect(await shown.locator('[data-testid="action-row"]').nth(2).locator('input[name=message]').inputValue()).toBe('A refund was asked');
  });

  it('automation: a pending rule without "for" is refused naming the field; with it, stored', async () => {
    const before = await stored();
    const rule = admin.locator('[data-testid="automation-rule"]').first();
    await rule.locator('select[name=when]').selectOption('pending');
    await testId(admin, 'automation-save').click();
    await expect.poll(() => testId(admin, 'config-error').textContent()).toMatch(/line \d+.*automation\.0\.for/);
    expect((await stored()).version).toBe(before.version);

    await rule.locator('input[name=for]').fill('2d');
    await testId(admin, 'automation-save').click();
    await expect.poll(async () => (await stored()).version).toBe(before.version + 1);
    const after = await stored();
    expect(after.config.automation[0]).toMatchObject({ when: 'pending', for: 2 * 24 * 3_600_000 });
    expect(after.yaml).toMatch(/for: 2d/);
    expect(await testId(admin, 'config-error').count()).toBe(0);
  });

  it('the forms are labelled in Russian too', async () => {
    await testId(admin, 'lang-switch').click();
    await expect.poll(() => testId(admin, 'automation-form').locator('h3').textContent()).toBe('Правила автоматизации');
    await testId(admin, 'config-tab-sla').click();
    await expect.poll(() => testId(admin, 'calendars-form').locator('h3').textContent()).toBe('Календари');
    await testId(admin, 'lang-switch').click();
    await expect.poll(() => testId(admin, 'calendars-form').locator('h3').textContent()).toBe('Calendars');
  });
});
