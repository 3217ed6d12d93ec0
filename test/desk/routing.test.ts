/**
 * Categorization by stemmed keywords (Russian and English), the rule conditions, and routing of
 * new tickets end to end (real PostgreSQL and Redis): the category's team and priority, then the
 * first matching routing rule.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseDeskConfig, type Conditions } from '../../src/core/deskConfig.js';
import { categorize, categoryDefaults } from '../../src/core/routing/categorize.js';
import { matchesConditions, type RuleFacts } from '../../src/core/routing/conditions.js';
import { insideBusinessHours } from '../../src/core/routing/facts.js';
import { decideRouting } from '../../src/core/routing/router.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const FIXTURE = 'test/desk/fixtures/routing.yaml';
const desk = parseDeskConfig(readFileSync(FIXTURE, 'utf8'), FIXTURE);
const sample = parseDeskConfig(readFileSync('config/desk.yaml', 'utf8'), 'config/desk.yaml');

function facts(text: string, over: { ticket?: Partial<RuleFacts['ticket']>; contact?: Partial<RuleFacts['contact']>; businessHours?: boolean; bot?: boolean } = {}): RuleFacts {
  return {
    ticket: { channel: 'api', category: null, priority: 'normal', tags: [], ...over.ticket },
    contact: { tags: [], attributes: {}, ...over.contact },
    text,
    now: new Date(),
    businessHours: over.businessHours ?? true,
    bot: over.bot ?? false,
  };
}

describe('keyword categorization', () => {
  it.each([
    ['Где мой заказ? Подскажите статус', 'orders'],
    ['Курьер так и не привёз посылку', 'delivery'],
    ['С карты списали деньги дважды', 'payment'],
    ['Платёж не прошёл', 'payment'],
    ['Принтер не печатает', 'support/hardware/printers'],
    ['Устройство не включается', 'support/hardware'],
    ['Where is my order? What is the status?', 'orders'],
    ['The courier never showed up with my delivery', 'delivery'],
    ['I was charged twice on my cards', 'payment'],
    ['There is a paper jam again', 'support/hardware/printers'],
    ['Hello there', null],
    ['Добрый день', null],
  ])('%s → %s', (text, expected) => {
    expect(categorize(text, desk.categories)).toBe(expected);
  });

  it('the most matching keywords win; a tie goes to the more specific category', () => {
    // "order" (orders) vs "card", "charged" (payment).
    expect(categorize('My card was charged for an order', desk.categories)).toBe('payment');
    // One keyword each: "device" (support/hardware) and "printer" (…/printers).
    expect(categorize('printer device', desk.categories)).toBe('support/hardware/printers');
  });

  it('inherits team and priority from the nearest ancestor that declares them', () => {
    expect(categoryDefaults('support/hardware', desk.categories)).toEqual({ team: 'support' });
    expect(categoryDefaults('support/hardware/printers', desk.categories)).toEqual({ team: 'experts' });
    expect(categoryDefaults('payment/card', desk.categories)).toEqual({ team: 'billing', priority: 'high' });
    expect(categoryDefaults(null, desk.categories)).toEqual({});
  });

  it('categorizes with the sample configuration too', () => {
    expect(categorize('Хочу вернуть бракованный товар', sample.categories)).toBe('returns');
    expect(categorize('I forgot my password and cannot login', sample.categories)).toBe('account');
  });
});

describe('rule conditions', () => {
  const holds = (c: Conditions, f: RuleFacts) => matchesConditions(c, f);

  it('an empty rule always holds; every condition given must hold', () => {
    expect(holds({}, facts('anything'))).toBe(true);
    expect(holds({ channel: ['api'], keywords: ['order'] }, facts('my order'))).toBe(true);
    expect(holds({ channel: ['telegram'], keywords: ['order'] }, facts('my order'))).toBe(false);
  });

  it('channel, category (with subcategories), priority', () => {
    expect(holds({ channel: ['api', 'widget'] }, facts(''))).toBe(true);
    expect(holds({ category: ['support'] }, facts('', { ticket: { category: 'support/hardware' } }))).toBe(true);
    expect(holds({ category: ['support'] }, facts('', { ticket: { category: 'supportx' } }))).toBe(false);
    expect(holds({ category: ['support'] }, facts(''))).toBe(false);
    expect(holds({ priority: ['high', 'urgent'] }, facts('', { ticket: { priority: 'urgent' } }))).toBe(true);
    expect(holds({ priority: ['high'] }, facts(''))).toBe(false);
  });

  it('keywords are stemmed (ru, en); text is a case-insensitive substring', () => {
    expect(holds({ keywords: ['юрист'] }, facts('Передам дело юристам'))).toBe(true);
    expect(holds({ keywords: ['lawsuit'] }, facts('We are preparing lawsuits'))).toBe(true);
    expect(holds({ keywords: ['юрист'] }, facts('Всё хорошо'))).toBe(false);
    expect(holds({ text: ['#СРОЧНО'] }, facts('помогите #срочно'))).toBe(true);
    expect(holds({ text: ['ёлка'] }, facts('ЕЛКА'))).toBe(true);
    expect(holds({ text: ['urgent'] }, facts('not now'))).toBe(false);
  });

  it('tags of the ticket or the customer; customer attributes', () => {
    expect(holds({ tags: ['vip', 'b2b'] }, facts('', { ticket: { tags: ['vip'] }, contact: { tags: ['B2B'] } }))).toBe(true);
    expect(holds({ tags: ['vip', 'b2b'] }, facts('', { ticket: { tags: ['vip'] } }))).toBe(false);
    expect(holds({ attributes: { vip: true, plan: 'gold' } }, facts('', { contact: { attributes: { vip: true, plan: 'gold' } } }))).toBe(true);
    expect(holds({ attributes: { vip: true } }, facts('', { contact: { attributes: { vip: 'true' } } }))).toBe(true);
    expect(holds({ attributes: { vip: true } }, facts('', { contact: { attributes: { vip: false } } }))).toBe(false);
    expect(holds({ attributes: { vip: true } }, facts(''))).toBe(false);
  });

  it('inside or outside business hours', () => {
    expect(holds({ businessHours: true }, facts('', { businessHours: true }))).toBe(true);
    expect(holds({ businessHours: false }, facts('', { businessHours: true }))).toBe(false);
    expect(holds({ bot: true }, facts('', { bot: true }))).toBe(true);
    expect(holds({ bot: false }, facts('', { bot: true }))).toBe(false);
    expect(holds({ bot: false }, facts('', { bot: false }))).toBe(true);
    // The sample's office calendar: Mon–Fri 09:00–17:00 Moscow.
    expect(insideBusinessHours(sample, new Date('2026-11-20T10:00:00+03:00'))).toBe(true);
    expect(insideBusinessHours(sample, new Date('2026-11-21T10:00:00+03:00'))).toBe(false);
    expect(insideBusinessHours(desk, new Date('2026-11-21T03:00:00+03:00'))).toBe(true);
  });
});

describe('routing decisions', () => {
  it('category defaults, then the first matching rule', () => {
    expect(decideRouting(desk, facts('Списали деньги'))).toEqual({ category: 'payment', team: 'billing', priority: 'high' });
    expect(decideRouting(desk, facts('Where is my order? My lawyer is waiting'))).toEqual({ category: 'orders', team: 'experts', priority: 'urgent', rule: 0 });
    expect(decideRouting(desk, facts('Where is my order?', { contact: { attributes: { vip: true } } }))).toEqual({ category: 'orders', team: 'vip', priority: 'high', rule: 1 });
    // First match wins: the lawyer rule comes before the VIP one.
    expect(decideRouting(desk, facts('lawsuit', { contact: { attributes: { vip: true } } }))).toMatchObject({ team: 'experts', priority: 'urgent', rule: 0 });
    expect(decideRouting(desk, facts('Hello'))).toEqual({});
  });

  it("keeps the customer's topic", () => {
    expect(decideRouting(desk, facts('My card was charged', { ticket: { category: 'delivery' } }))).toEqual({ category: 'delivery', team: 'support' });
  });
});

describe('routing new tickets', () => {
  let t: TestGateway;
  beforeAll(async () => {
    // The bot is off and every team a pool: routing alone decides, nobody is assigned.
    t = await startTestGateway({ BOT_ENABLED: 'false', DESK_CONFIG: FIXTURE });
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function write(text: string, extra: { chatId?: string; userId?: string; topic?: string } = {}) {
    const chatId = extra.chatId ?? `c-${randomUUID()}`;
    const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: extra.userId ?? chatId, name: 'Customer' }, text, ...(extra.topic ? { topic: extra.topic } : {}) });
    expect(res.status).toBeLessThan(300);
    const { ticketNumber } = (await res.json()) as { ticketNumber: number };
    await t.gateway.events.idle();
    const ticket = await t.api('GET', `/tickets/${ticketNumber}`);
    return (await ticket.json()) as { number: number; category: string | null; team: string | null; priority: string; assignee: unknown; events: Array<{ type: string; actor: { kind: string; name: string } }> };
  }

  it('categorizes Russian and English text, with the category’s team and priority, audited as routing', async () => {
    const ru = await write('Здравствуйте! С карты списали деньги два раза');
    expect(ru).toMatchObject({ category: 'payment', team: 'billing', priority: 'high', assignee: null });
    expect(ru.events.filter((e) => e.actor.name === 'routing').map((e) => e.type).sort()).toEqual(['category_changed', 'priority_changed', 'teamId_changed']);
    const en = await write('The courier lost my delivery');
    expect(en).toMatchObject({ category: 'delivery', team: 'support', priority: 'normal' });
  });

  it('keeps the topic the customer picked, and leaves an unmatched text uncategorized', async () => {
    expect(await write('My card was charged', { topic: 'delivery' })).toMatchObject({ category: 'delivery', team: 'support' });
    expect(await write('Hello there')).toMatchObject({ category: null, team: null, priority: 'normal' });
  });

  it('keywords send a ticket to a team with a priority', async () => {
    expect(await write('Если не вернёте деньги, обращусь в суд')).toMatchObject({ category: 'payment', team: 'experts', priority: 'urgent' });
    expect(await write('Помогите, это #срочно')).toMatchObject({ priority: 'urgent', team: null });
  });

  it('a VIP customer attribute sends the ticket to the VIP team with high priority', async () => {
    const userId = `u-${randomUUID()}`;
    const first = await write('Where is my order?', { userId });
    expect(first).toMatchObject({ category: 'orders', team: 'support', priority: 'normal' });
    const { contactId } = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: first.number } });
    await t.gateway.db.contact.update({ where: { id: contactId }, data: { attributes: { vip: true } } });
    // The same customer in another chat: a new ticket, routed with what we know of them now.
    expect(await write('Where is my order?', { userId })).toMatchObject({ category: 'orders', team: 'vip', priority: 'high' });
  });
});
