/**
 * The web widget used as a person would: the demo shop in headless Chromium (playwright-core),
 * against a whole gateway on real PostgreSQL and Redis. The widget lives in an open shadow root;
 * Playwright's CSS locators pierce it, so the data-testid hooks of public/widget.js work as is.
 *
 * Needs Chromium: /usr/bin/chromium, or the binary named by CHROMIUM_PATH. Without it every test
 * here fails with a message saying so (CI installs it; a silent skip would hide a broken widget).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** How long one UI step may take before it counts as broken (the machine is small and shared). */
const UI_TIMEOUT = 10_000;
/** An agent's reply must reach an open widget within this. */
const LIVE_REPLY_MS = 2000;
const AGENT = { handle: 'maria', name: 'Maria Petrova' };
const XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

type AuthorKind = 'customer' | 'agent' | 'bot' | 'system';
interface Topic {
  id: string;
  label: string;
}
interface TicketJson {
  number: number;
  channel: string;
  category: string | null;
  contact: { name: string | null; email: string | null; phone: string | null; language: string | null };
}
interface TicketDetailJson extends TicketJson {
  messages: Array<{
    id: string;
    direction: 'inbound' | 'outbound';
    text: string;
    author: { kind: AuthorKind; name: string | null };
    delivery: { state: string } | null;
    attachments: Array<{ name: string; url: string }>;
  }>;
}

let t: TestGateway;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Uncaught exceptions and console errors of the pages of the current test: a working widget has none. */
let pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the widget e2e tests need it. Install it (Debian: \`apt-get install chromium\`) or point CHROMIUM_PATH at a Chromium/Chrome binary.`,
    );
  }
  [t, browser] = await Promise.all([
    // A small file limit: the too-large test hands Chromium a file one byte over it, and 20 MB
    // through the DevTools protocol took over 10 s on a loaded machine (failed CI once).
    startTestGateway({ SERVE_DEMO: 'true', ATTACHMENT_MAX_BYTES: String(1024 * 1024) }),
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }).catch((err: Error) => {
      throw new Error(`Cannot launch Chromium at ${CHROMIUM} (set CHROMIUM_PATH to another binary): ${err.message}`);
    }),
  ]);
  const agent = await t.api('POST', '/agents', AGENT);
  expect(agent.status).toBe(201);
});

afterEach(() => {
  const errors = pageErrors;
  pageErrors = [];
  expect(errors, 'script errors in the page').toEqual([]);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await t?.stop();
});

// ------------------------------------------------------------------ helpers

/** A fresh browser profile (a new visitor) with the demo shop open. */
async function newVisitor(options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', baseURL: t.baseUrl, ...options });
  contexts.push(context);
  context.setDefaultTimeout(UI_TIMEOUT);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Article suggestions are optional: the widget stays quiet while /widget/suggest does not exist.
    if (msg.type() === 'error' && !msg.location().url.includes('/widget/suggest')) pageErrors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  await page.goto('/');
  return page;
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await t.api(method, path, body);
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function topics(lang: 'ru' | 'en'): Promise<Topic[]> {
  const res = await fetch(`${t.baseUrl}/widget/config?lang=${lang}`);
  return ((await res.json()) as { topics: Topic[] }).topics;
}

async function widgetTickets(): Promise<TicketJson[]> {
  return (await api<{ tickets: TicketJson[] }>('GET', '/tickets?channel=widget&limit=200')).tickets;
}

const byTestId = (scope: Page | Locator, id: string) => scope.locator(`[data-testid="${id}"]`);

/** The chat's message nodes (of one author kind) whose text is exactly `text`. */
function messages(page: Page, text: string, kind?: AuthorKind): Locator {
  const node = page.locator(`[data-testid="od-msg"]${kind ? `[data-author-kind="${kind}"]` : ''}`);
  return node.filter({ has: byTestId(page, 'od-msg-text').getByText(text, { exact: true }) });
}

/** The customer's and the agents' messages in the chat, in order, as [kind, text]. (Bot turns may come and go.) */
async function conversation(page: Page): Promise<Array<[string | null, string | null | undefined]>> {
  const all = await byTestId(page, 'od-msg').evaluateAll((els) =>
    els.map((el) => [el.getAttribute('data-author-kind'), el.querySelector('[data-testid="od-msg-text"]')?.textContent] as [string | null, string | null | undefined]),
  );
  return all.filter(([kind]) => kind === 'customer' || kind === 'agent');
}

/** Waits until the server has acknowledged a visitor's message (it then carries the server's id). */
async function acknowledged(message: Locator): Promise<string> {
  await message.and(message.page().locator('[data-message-id]')).waitFor();
  return (await message.getAttribute('data-message-id'))!;
}

/** Opens the bubble and fills the pre-chat form the way a visitor does; returns once the server took the message. */
async function startChat(page: Page, visitor: { name: string; contact: string; topicLabel: string; message: string }): Promise<void> {
  if (await byTestId(page, 'od-panel').isHidden()) await byTestId(page, 'od-bubble').click();
  const form = byTestId(page, 'od-form');
  await form.waitFor();
  await byTestId(form, 'od-name').fill(visitor.name);
  await byTestId(form, 'od-contact').fill(visitor.contact);
  await byTestId(form, 'od-topic').selectOption({ label: visitor.topicLabel });
  await byTestId(form, 'od-form-message').fill(visitor.message);
  await byTestId(form, 'od-submit').click();
  // Either the chat opens or the form says why not: fail with its words rather than a timeout.
  const error = byTestId(page, 'od-error');
  await byTestId(page, 'od-chat').or(error).filter({ visible: true }).first().waitFor();
  if (await error.isVisible()) throw new Error(`the pre-chat form refused ${JSON.stringify(visitor)}: "${await error.textContent()}"`);
  await acknowledged(messages(page, visitor.message, 'customer'));
}

/** Types into the chat input and presses Enter; returns the message's id once the server has it. */
async function sendInChat(page: Page, text: string): Promise<string> {
  const input = byTestId(page, 'od-input');
  await input.fill(text);
  await input.press('Enter');
  return acknowledged(messages(page, text, 'customer'));
}

/** Proves a message node shows `text` literally: the same text, no parsed elements, nothing ran. */
async function expectLiteral(page: Page, message: Locator, text: string): Promise<void> {
  expect(await message.count()).toBe(1);
  expect(await byTestId(message, 'od-msg-text').textContent()).toBe(text);
  expect(await message.locator('script, img').count()).toBe(0);
  expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
}

async function hasUnreadDot(page: Page): Promise<boolean> {
  return page.locator('.od-unread').isVisible();
}

/** A returning visitor's widget connects at once, panel closed: the server's hello has switched it to the chat view. */
async function helloReceived(page: Page): Promise<boolean> {
  return (await byTestId(page, 'od-chat').getAttribute('hidden')) === null;
}

// ------------------------------------------------------------------ one visitor, start to finish

describe('widget on the demo shop: one visitor, start to finish', () => {
  let page: Page;
  let ticketNumber: number;
  const visitor = { name: 'Anna Smirnova', email: 'anna.smirnova@example.com', message: 'Where is my parcel? Order 5521 was due yesterday.' };
  const reply = 'Hello Anna, your parcel is with the courier and arrives today.';
  const followUp = 'Thank you! Can I change the delivery time to the evening?';

  /** The tests below continue the story of the first one. */
  function started(): void {
    if (!page || !ticketNumber) throw new Error('the visitor could not start a chat (see the first test of this group)');
  }

  it('starts a chat from the pre-chat form and opens a widget ticket with the contact and topic', async () => {
    const topic = (await topics('en')).find((x) => x.id === 'delivery');
    expect(topic, 'config/desk.yaml offers the "delivery" category').toBeDefined();
    page = await newVisitor();
    await startChat(page, { name: visitor.name, contact: visitor.email, topicLabel: topic!.label, message: visitor.message });

    expect(await messages(page, visitor.message, 'customer').count()).toBe(1);
    expect(await byTestId(page, 'od-form').isHidden()).toBe(true);
    const tickets = await widgetTickets();
    expect(tickets).toHaveLength(1);
    const ticket = tickets[0]!;
    expect(ticket).toMatchObject({ channel: 'widget', category: 'delivery', contact: { name: visitor.name, email: visitor.email, phone: null, language: 'en' } });
    ticketNumber = ticket.number;
    expect(await page.locator('.od-subtitle').textContent()).toBe(`Ticket #${ticketNumber}`);
  });

  it(`shows an agent's REST reply within ${LIVE_REPLY_MS} ms, with the agent's name`, async () => {
    started();
    const shown = messages(page, reply, 'agent');
    const before = Date.now();
    await api('POST', `/tickets/${ticketNumber}/messages`, { text: reply, agent: AGENT.handle });
    await shown.waitFor({ state: 'visible', timeout: LIVE_REPLY_MS });
    console.info(`agent reply on screen ${Date.now() - before} ms after the REST call`);
    expect(await byTestId(shown, 'od-msg-author').textContent()).toBe(AGENT.name);
  });

  it('threads a follow-up typed in the chat into the same ticket', async () => {
    started();
    const messageId = await sendInChat(page, followUp);
    expect(await byTestId(page, 'od-input').inputValue()).toBe('');
    expect((await widgetTickets()).map((x) => x.number)).toEqual([ticketNumber]);
    const detail = await api<TicketDetailJson>('GET', `/tickets/${ticketNumber}`);
    expect(detail.messages.filter((m) => m.direction === 'inbound').map((m) => m.text)).toEqual([visitor.message, followUp]);
    expect(detail.messages.find((m) => m.text === followUp)?.id).toBe(messageId);
  });

  it('keeps the history after a reload, without asking for the form again', async () => {
    started();
    await page.reload();
    await byTestId(page, 'od-bubble').click();
    await messages(page, followUp, 'customer').waitFor();
    expect(await byTestId(page, 'od-chat').isVisible()).toBe(true);
    expect(await byTestId(page, 'od-form').isHidden()).toBe(true);
    expect(await conversation(page)).toEqual([
      ['customer', visitor.message],
      ['agent', reply],
      ['customer', followUp],
    ]);
    expect(await byTestId(messages(page, reply, 'agent'), 'od-msg-author').textContent()).toBe(AGENT.name);
    expect(await page.locator('.od-subtitle').textContent()).toBe(`Ticket #${ticketNumber}`);
  });

  it('renders markup sent by the visitor and by the agent as literal text, live and after a reload', async () => {
    started();
    const visitorMsg = messages(page, XSS, 'customer');
    const agentMsg = messages(page, XSS, 'agent');
    await sendInChat(page, XSS);
    await api('POST', `/tickets/${ticketNumber}/messages`, { text: XSS, agent: AGENT.handle });
    await agentMsg.waitFor({ timeout: LIVE_REPLY_MS });
    // Had an <img src=x> been created, it would have failed to load (and run onerror) by the time the network is idle.
    await page.waitForLoadState('networkidle');
    await expectLiteral(page, visitorMsg, XSS);
    await expectLiteral(page, agentMsg, XSS);

    await page.reload();
    await byTestId(page, 'od-bubble').click();
    await agentMsg.waitFor();
    await page.waitForLoadState('networkidle');
    await expectLiteral(page, visitorMsg, XSS);
    await expectLiteral(page, agentMsg, XSS);

    const detail = await api<TicketDetailJson>('GET', `/tickets/${ticketNumber}`);
    expect(detail.messages.filter((m) => m.text === XSS).map((m) => m.direction)).toEqual(['inbound', 'outbound']);
  });

  it('lights the bubble for a reply that came while the visitor was away, until they open the chat', async () => {
    started();
    const away = 'Your parcel has been delivered. Have a nice evening!';
    await page.goto('about:blank');
    const { messageId } = await api<{ messageId: string }>('POST', `/tickets/${ticketNumber}/messages`, { text: away, agent: AGENT.handle });
    await eventually(async () => (await api<TicketDetailJson>('GET', `/tickets/${ticketNumber}`)).messages.find((m) => m.id === messageId)?.delivery?.state === 'sent', 5000, 'the reply to be sent');

    await page.goto('/');
    await expect.poll(() => helloReceived(page), { timeout: UI_TIMEOUT }).toBe(true);
    expect(await hasUnreadDot(page)).toBe(true);
    await byTestId(page, 'od-bubble').click();
    await messages(page, away, 'agent').waitFor();
    await byTestId(page, 'od-close').click();
    expect(await hasUnreadDot(page)).toBe(false);

    // Seen is seen: coming back again does not light it.
    await page.reload();
    await expect.poll(() => helloReceived(page), { timeout: UI_TIMEOUT }).toBe(true);
    expect(await hasUnreadDot(page)).toBe(false);
  });

  it("shows an agent's edit of a reply in place, marked edited, live and after a reload", async () => {
    started();
    if (await byTestId(page, 'od-panel').isHidden()) await byTestId(page, 'od-bubble').click();
    const wrong = 'Your refund of 100 EUR is on its way.';
    const fixed = 'Your refund of 120 EUR is on its way.';
    const { messageId } = await api<{ messageId: string }>('POST', `/tickets/${ticketNumber}/messages`, { text: wrong, agent: AGENT.handle });
    await messages(page, wrong, 'agent').waitFor({ timeout: LIVE_REPLY_MS });
    await eventually(async () => (await api<TicketDetailJson>('GET', `/tickets/${ticketNumber}`)).messages.find((m) => m.id === messageId)?.delivery?.state === 'sent', 5000, 'the reply to be sent');

    await api('PATCH', `/tickets/${ticketNumber}/messages/${messageId}`, { text: fixed });
    const edited = messages(page, fixed, 'agent');
    await edited.waitFor({ timeout: UI_TIMEOUT });
    expect(await messages(page, wrong, 'agent').count()).toBe(0);
    expect(await edited.getAttribute('data-message-id')).toBe(messageId);
    expect(await byTestId(edited, 'od-msg-edited').textContent()).toBe('edited');

    await page.reload();
    await byTestId(page, 'od-bubble').click();
    await edited.waitFor({ timeout: UI_TIMEOUT });
    expect(await byTestId(edited, 'od-msg-edited').textContent()).toBe('edited');
    expect(await messages(page, wrong, 'agent').count()).toBe(0);
  });
});

// ------------------------------------------------------------------ the pre-chat form's contact field

describe('pre-chat contact', () => {
  it.each([
    { what: 'a phone written with parentheses', locale: 'en-US', contact: '(415) 555-0132', field: 'phone' },
    { what: 'an email at a Cyrillic domain', locale: 'ru-RU', contact: 'анна@почта.рф', field: 'email' },
  ])('accepts $what, as the form itself does', async ({ locale, contact, field }) => {
    const page = await newVisitor({ locale });
    const name = `Visitor ${field}`;
    const topic = (await topics(locale === 'ru-RU' ? 'ru' : 'en'))[0]!;
    await startChat(page, { name, contact, topicLabel: topic.label, message: 'Hello, a question about my order' });
    expect(await byTestId(page, 'od-error').isHidden()).toBe(true);
    const ticket = (await widgetTickets()).find((x) => x.contact.name === name);
    expect(ticket?.contact[field as 'phone' | 'email']).toBe(contact);
  });

  it('explains a mistyped contact in the visitor language, before anything is sent', async () => {
    const page = await newVisitor({ locale: 'ru-RU' });
    await byTestId(page, 'od-bubble').click();
    const form = byTestId(page, 'od-form');
    await byTestId(form, 'od-name').fill('Иван');
    await byTestId(form, 'od-contact').fill('ivan@mail');
    await byTestId(form, 'od-form-message').fill('Вопрос');
    await byTestId(form, 'od-submit').click();
    expect(await byTestId(page, 'od-error').textContent()).toBe('Похоже, в email или телефоне опечатка.');
    expect(await byTestId(form, 'od-contact').getAttribute('aria-invalid')).toBe('true');
    expect((await widgetTickets()).some((x) => x.contact.name === 'Иван')).toBe(false);
  });
});

// ------------------------------------------------------------------ long messages

describe('a long message', () => {
  it('is taken up to the server\'s 10,000 characters, and the visitor sees the limit instead of losing the rest unseen', async () => {
    const page = await newVisitor();
    const topic = (await topics('en'))[0]!;
    await startChat(page, { name: 'Long Writer', contact: 'long.writer@example.com', topicLabel: topic.label, message: 'I will paste the error log next.' });
    const input = byTestId(page, 'od-input');
    const counter = byTestId(page, 'od-counter');

    await input.fill('x'.repeat(8000));
    expect(await counter.isHidden()).toBe(true);
    await input.fill('y'.repeat(9500));
    expect(await counter.textContent()).toBe('9,500 / 10,000');
    // A paste longer than the limit: the browser keeps the first 10,000 characters, and the counter says so.
    const log = Array.from({ length: 1100 }, (_, i) => `line ${String(i).padStart(4, '0')}`).join('\n'); // 10,999 characters
    await input.fill('');
    await input.focus();
    await page.keyboard.insertText(log);
    expect((await input.inputValue()).length).toBe(10_000);
    expect(await counter.textContent()).toBe('10,000 / 10,000. A message cannot be longer: send the rest in another one.');

    await input.press('Enter');
    const stored = await eventually(async () => {
      const ticket = (await widgetTickets()).find((x) => x.contact.name === 'Long Writer');
      const detail = ticket && (await api<TicketDetailJson>('GET', `/tickets/${ticket.number}`));
      return detail?.messages.find((m) => m.direction === 'inbound' && m.text.startsWith('line 0000'));
    }, UI_TIMEOUT, 'the long message in the ticket');
    expect(stored.text).toBe(log.slice(0, 10_000).trimEnd()); // the 10,000th character is a line break, which the widget trims
    expect(await counter.isHidden()).toBe(true);
  });
});

// ------------------------------------------------------------------ files

describe('files in the widget', () => {
  const PNG = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f1e6b50000000049454e44ae426082',
    'hex',
  );

  it('attaches a screenshot with the paperclip and sends it; an agent\'s file shows as a link that opens for this visitor', async () => {
    const page = await newVisitor();
    const topic = (await topics('en'))[0]!;
    await startChat(page, { name: 'File Sender', contact: 'file.sender@example.com', topicLabel: topic.label, message: 'The checkout page is broken.' });

    await byTestId(page, 'od-file-input').setInputFiles([{ name: 'checkout.png', mimeType: 'image/png', buffer: PNG }]);
    const chip = byTestId(page, 'od-pending-file');
    await expect.poll(() => chip.getAttribute('class')).toBe('od-pending-file'); // uploaded: no longer "is-uploading"
    expect(await chip.textContent()).toContain('checkout.png');
    await byTestId(page, 'od-input').fill('See the screenshot');
    await byTestId(page, 'od-input').press('Enter');
    await acknowledged(messages(page, 'See the screenshot', 'customer'));
    expect(await byTestId(page, 'od-pending-files').isHidden()).toBe(true);
    expect(await byTestId(messages(page, 'See the screenshot', 'customer'), 'od-msg-file').textContent()).toBe('checkout.png');

    const ticket = (await widgetTickets()).find((x) => x.contact.name === 'File Sender')!;
    const detail = await api<TicketDetailJson>('GET', `/tickets/${ticket.number}`);
    const sent = detail.messages.find((m) => m.text === 'See the screenshot')!;
    expect(sent.attachments.map((a) => a.name)).toEqual(['checkout.png']);

    // An agent answers with a file: a link in the chat, which downloads for this visitor.
    const upload = await fetch(`${t.baseUrl}/api/v1/files?name=return-label.png`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'image/png' }, body: PNG });
    const file = (await upload.json()) as { id: string };
    await api('POST', `/tickets/${ticket.number}/messages`, { text: 'Here is your return label', agent: AGENT.handle, attachments: [{ fileId: file.id }] });
    const reply = messages(page, 'Here is your return label', 'agent');
    await reply.waitFor();
    const link = byTestId(reply, 'od-msg-file');
    expect(await link.getAttribute('data-file-id')).toBe(file.id);
    // A picture shows as a thumbnail that has loaded.
    await expect.poll(() => link.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(1);
    const href = (await link.getAttribute('href'))!;
    const downloaded = await page.evaluate(async (url) => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer())), href);
    expect(Buffer.from(downloaded)).toEqual(PNG);
  });

  it('says a file is too large before uploading it', async () => {
    const page = await newVisitor();
    const topic = (await topics('en'))[0]!;
    await startChat(page, { name: 'Big File', contact: 'big.file@example.com', topicLabel: topic.label, message: 'I have a video of the problem.' });
    const max = ((await (await fetch(`${t.baseUrl}/widget/config?lang=en`)).json()) as { maxFileBytes: number }).maxFileBytes;
    await byTestId(page, 'od-file-input').setInputFiles([{ name: 'video.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(max + 1) }]);
    expect(await byTestId(page, 'od-error').textContent()).toMatch(/^The file "video\.mp4" is larger than [\d.]+ MB: it cannot be sent\.$/);
    expect(await byTestId(page, 'od-pending-file').count()).toBe(0);
  });
});

// ------------------------------------------------------------------ language

describe('widget language follows the browser', () => {
  const cases = [
    {
      locale: 'ru-RU',
      lang: 'ru',
      page: { title: 'Demo Shop — магазин уютных вещей', heading: 'Вещи, с которыми дома чуть уютнее', help: 'Нужна помощь?' },
      widget: { open: 'Открыть чат', title: 'Поддержка', labels: ['Имя', 'Email или телефон', 'Тема', 'Сообщение'], anyTopic: 'Не знаю / другое', submit: 'Начать чат', required: 'Укажите, пожалуйста, имя.' },
    },
    {
      locale: 'en-US',
      lang: 'en',
      page: { title: 'Demo Shop — cosy things for home', heading: 'Things that make home a little nicer', help: 'Need help?' },
      widget: { open: 'Open chat', title: 'Support', labels: ['Name', 'Email or phone', 'Topic', 'Message'], anyTopic: 'Not sure / other', submit: 'Start chat', required: 'Please enter your name.' },
    },
  ] as const;

  for (const c of cases) {
    it(`speaks ${c.lang} to a browser in ${c.locale}`, async () => {
      const page = await newVisitor({ locale: c.locale });
      // The demo shop (public/index.html).
      expect(await page.locator('html').getAttribute('lang')).toBe(c.lang);
      expect(await page.title()).toBe(c.page.title);
      expect(await page.locator('h1').textContent()).toBe(c.page.heading);
      expect(await page.locator('.info-card h2').last().textContent()).toBe(c.page.help);

      // The widget (public/widget.js, and the topics from /widget/config).
      const bubble = byTestId(page, 'od-bubble');
      expect(await bubble.getAttribute('aria-label')).toBe(c.widget.open);
      await bubble.click();
      const form = byTestId(page, 'od-form');
      await form.waitFor();
      expect(await byTestId(page, 'od-panel').getAttribute('aria-label')).toBe(c.widget.title);
      expect(await page.locator('.od-title').textContent()).toBe(c.widget.title);
      expect(await form.locator('.od-label > span').allTextContents()).toEqual(c.widget.labels);
      expect(await byTestId(form, 'od-submit').textContent()).toBe(c.widget.submit);
      // "Not sure" first and chosen, so a visitor who picks nothing leaves routing to the desk's rules.
      expect(await byTestId(form, 'od-topic').locator('option').allTextContents()).toEqual([c.widget.anyTopic, ...(await topics(c.lang)).map((x) => x.label)]);
      expect(await byTestId(form, 'od-topic').inputValue()).toBe('');

      // Sending the empty form says what is missing, in the same language.
      await byTestId(form, 'od-submit').click();
      expect(await byTestId(page, 'od-error').textContent()).toBe(c.widget.required);
    });
  }

  it('switches the shop and the widget to Russian with the RU toggle', async () => {
    const page = await newVisitor({ locale: 'en-US' });
    await Promise.all([page.waitForEvent('load'), page.locator('[data-set-lang="ru"]').click()]);
    expect(await page.locator('h1').textContent()).toBe(cases[0].page.heading);
    expect(await byTestId(page, 'od-bubble').getAttribute('aria-label')).toBe(cases[0].widget.open);
  });
});

// ------------------------------------------------------------------ phone

describe('widget on a phone', () => {
  it('fits the open panel into a 375x667 screen, and a chat can be started there', async () => {
    const width = 375;
    const height = 667;
    const page = await newVisitor({ viewport: { width, height }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'ru-RU' });
    const panel = byTestId(page, 'od-panel');
    /** Asserts `el` lies inside the screen, once the panel's opening animation is over. */
    const onScreen = async (what: string, el: Locator) => {
      await panel.evaluate((p) => Promise.all(p.getAnimations().map((a) => a.finished)));
      const box = await el.boundingBox();
      expect(box, `${what} is laid out`).not.toBeNull();
      expect(box!.x, `${what}: left edge`).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, `${what}: right edge`).toBeLessThanOrEqual(width);
      expect(box!.y, `${what}: top edge`).toBeGreaterThanOrEqual(0);
      expect(box!.y + box!.height, `${what}: bottom edge`).toBeLessThanOrEqual(height);
    };

    await onScreen('bubble', byTestId(page, 'od-bubble'));
    await byTestId(page, 'od-bubble').tap();
    await byTestId(page, 'od-form').waitFor();
    await onScreen('panel', panel);
    await onScreen('close button', byTestId(page, 'od-close'));
    await onScreen('submit button', byTestId(page, 'od-submit'));
    // Nothing sticks out sideways: the page does not scroll horizontally.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

    const topic = (await topics('ru'))[0]!;
    await startChat(page, { name: 'Пётр', contact: '+7 916 123-45-67', topicLabel: topic.label, message: 'Не могу оплатить заказ картой' });
    await onScreen('panel', panel);
    await onScreen('message input', byTestId(page, 'od-input'));
    await onScreen('send button', byTestId(page, 'od-send'));
    const ticket = (await widgetTickets()).find((x) => x.contact.name === 'Пётр');
    expect(ticket).toMatchObject({ channel: 'widget', category: topic.id, contact: { phone: '+7 916 123-45-67', email: null, language: 'ru' } });

    // The panel covers the screen, so it closes with its own button and the bubble comes back.
    await byTestId(page, 'od-close').tap();
    expect(await panel.isHidden()).toBe(true);
    await onScreen('bubble', byTestId(page, 'od-bubble'));
  });
});
