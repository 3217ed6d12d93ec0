/**
 * The CSAT round trip on the web widget: a visitor in headless Chromium (the demo shop) gets the
 * "resolved" notice and the survey as five stars, clicks one, and the rating is stored on the
 * ticket, which stays resolved; a visitor on a bare WebSocket rates by typing "5 …".
 * Needs Chromium, as test/widget does (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { csatSurvey } from '../../src/core/notify/csat.js';
import { ticketLang } from '../../src/core/notify/lang.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const UI_TIMEOUT = 10_000;

let t: TestGateway;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH.`);
  [t, browser] = await Promise.all([startTestGateway({ SERVE_DEMO: 'true', DESK_CONFIG: 'test/notify/desk.yaml' }), chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })]);
  await t.gateway.db.agent.create({ data: { handle: 'maria', name: 'Мария' } });
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** Sends the CSAT survey as the timers do: csatSurvey through the Outbox, and the mark. */
async function sendSurvey(number: number): Promise<void> {
  const db = t.gateway.db;
  const tk = await db.ticket.findUniqueOrThrow({ where: { number }, select: { id: true, number: true, conversationId: true, channel: true } });
  const survey = csatSurvey(t.gateway.settings.current, await ticketLang(db, tk.id), number);
  await db.ticket.update({ where: { id: tk.id }, data: { csatRequestedAt: new Date() } });
  await t.gateway.outbox.send(tk, { authorKind: 'system', authorName: null, text: survey.text, buttons: survey.buttons });
}

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
const ticket = (number: number) => t.gateway.db.ticket.findUniqueOrThrow({ where: { number } });

describe('CSAT in the widget', () => {
  it('shows the survey as stars; a click rates the resolved ticket, which stays resolved, and thanks the visitor', async () => {
    const context = await browser.newContext({ locale: 'ru-RU', baseURL: t.baseUrl });
    context.setDefaultTimeout(UI_TIMEOUT);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto('/');
    await byTestId(page, 'od-bubble').click();
    await byTestId(page, 'od-name').fill('Светлана');
    await byTestId(page, 'od-contact').fill('sveta@example.com');
    await byTestId(page, 'od-form-message').fill('Не пришёл заказ 7781');
    await byTestId(page, 'od-submit').click();
    await byTestId(page, 'od-chat').waitFor();
    const number = await eventually(
      async () => (await t.gateway.db.ticket.findFirst({ where: { channel: 'widget', contact: { name: 'Светлана' } }, select: { number: true } }))?.number,
      UI_TIMEOUT,
      'the ticket',
    );

    expect((await t.api('POST', `/tickets/${number}/messages`, { text: 'Заказ уже в пути.', agent: 'maria' })).status).toBe(201);
    expect((await t.api('PATCH', `/tickets/${number}`, { status: 'resolved', actor: 'maria' })).status).toBe(200);
    await page.locator('[data-author-kind="system"]', { hasText: `Обращение #${number} решено` }).waitFor();

    await sendSurvey(number);
    const stars = byTestId(page, 'od-star');
    await stars.first().waitFor();
    expect(await stars.count()).toBe(5);
    expect(await stars.evaluateAll((els) => els.map((el) => el.getAttribute('data-button-id')))).toEqual(['csat:1', 'csat:2', 'csat:3', 'csat:4', 'csat:5']);
    expect(await stars.nth(2).getAttribute('aria-label')).toBe('3 из 5');
    // The survey shows stars, not the generic buttons.
    expect(await byTestId(page, 'od-msg-button').count()).toBe(0);

    await stars.nth(3).click();
    await page.locator('[data-author-kind="system"]', { hasText: 'Спасибо за оценку!' }).waitFor();
    const rated = await ticket(number);
    expect(rated).toMatchObject({ status: 'resolved', csatScore: 4, csatComment: null });
    expect(rated.csatRatedAt).not.toBeNull();
    // Four stars lit, all of them disabled: one rating per survey.
    expect(await stars.evaluateAll((els) => els.map((el) => el.classList.contains('is-on')))).toEqual([true, true, true, true, false]);
    expect(await stars.evaluateAll((els) => els.every((el) => (el as HTMLButtonElement).disabled))).toBe(true);
    expect(await t.gateway.db.ticket.count({ where: { conversationId: rated.conversationId } })).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a visitor on the WebSocket rates by typing a digit and a comment', async () => {
    const session = (await (await fetch(`${t.baseUrl}/widget/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { token: string };
    const ws = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/widget/ws?token=${encodeURIComponent(session.token)}`);
    const frames: Array<{ type: string; ticketNumber?: number; message?: { author: { kind: string }; text: string; buttons: Array<{ id: string }> } }> = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as (typeof frames)[number]));
    await eventually(() => frames.some((f) => f.type === 'hello'), 5000, 'hello');
    const send = (frame: Record<string, unknown>) => ws.send(JSON.stringify({ clientId: randomUUID(), ...frame }));
    send({ type: 'start', name: 'Tom', email: 'tom@example.com', text: 'My parcel is late', lang: 'en' });
    const number = await eventually(() => frames.find((f) => f.type === 'ack')?.ticketNumber, 5000, 'the ack');
    await t.api('PATCH', `/tickets/${number}`, { status: 'resolved', actor: 'maria' });
    await sendSurvey(number);
    await eventually(() => frames.some((f) => f.message?.buttons.some((b) => b.id === 'csat:5')), 5000, 'the survey');

    send({ type: 'message', text: '5 quick and friendly' });
    await eventually(() => frames.some((f) => f.message?.author.kind === 'system' && f.message.text.startsWith('Thank you for your rating!')), 5000, 'the thanks');
    expect(await ticket(number)).toMatchObject({ status: 'resolved', csatScore: 5, csatComment: 'quick and friendly' });
    expect(frames.filter((f) => f.type === 'ack').map((f) => f.ticketNumber)).toEqual([number, number]);
    ws.close();
  });
});
