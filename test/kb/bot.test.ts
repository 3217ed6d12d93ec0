/**
 * The knowledge-base bot end to end, on real PostgreSQL and Redis: customers write through the
 * API channel, the bot's replies arrive at the integrator's webhook through the delivery queue.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { Chat } from './support.js';

let t: TestGateway;
let hook: WebhookReceiver;
const handoffs: Array<{ ticketNumber: number; reason: string }> = [];

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, KB_DIR: SAMPLE_KB_DIR });
  t.gateway.events.on('ticket.handoff', (e) => void handoffs.push({ ticketNumber: e.ticketNumber, reason: e.reason }));
  expect((await t.api('POST', '/agents', { handle: 'ivan', name: 'Иван' })).status).toBe(201);
});
afterAll(async () => {
  await t?.stop();
  await hook?.close();
});

const chat = () => new Chat(t, hook);

describe('the KB bot answers', () => {
  it('answers a question with the article and asks whether it helped, with yes/no buttons', async () => {
    const c = chat();
    await c.say('How long does delivery take?');
    const answer = await c.botMessage(1);
    expect(answer.text).toMatch(/^How long does delivery take\n\nWe deliver within Moscow/);
    expect(answer.text).toContain('1–2 business days'); // Markdown emphasis is gone
    expect(answer.text).not.toContain('**');
    expect(answer.text.endsWith('Did this help?')).toBe(true);
    expect(answer.author).toEqual({ kind: 'bot', name: 'Helper bot' });
    expect(answer.buttons).toEqual([
      { id: 'kb:yes:delivery-time-en', label: 'Yes, thanks' },
      { id: 'kb:no:delivery-time-en', label: 'No' },
    ]);
    const ticket = await c.ticket();
    expect(ticket.botActive).toBe(true);
    expect(ticket.status).toBe('new');
    const turn = await t.gateway.db.botTurn.findFirstOrThrow({ where: { ticket: { number: c.number } } });
    expect(turn).toMatchObject({ action: 'answer', articleId: 'delivery-time-en', lang: 'en' });
    expect(turn.confidence).toBeGreaterThanOrEqual(0.9);
  });

  it('resolves the ticket as a deflection when the customer presses "yes", and thanks them', async () => {
    const c = chat();
    await c.say('I forgot my password');
    const answer = await c.botMessage(1);
    await c.press(answer.buttons[0]!);
    const thanks = await c.botMessage(2);
    expect(thanks.text).toBe('Glad it helped! If you have another question, just write here.');
    expect(thanks.buttons).toEqual([]);
    const ticket = await c.ticket();
    expect(ticket.status).toBe('resolved');
    expect(ticket.botActive).toBe(true);
    const deflected = ticket.events.find((e) => e.type === 'bot.deflected');
    expect(deflected).toMatchObject({ actor: { kind: 'bot' }, data: { articleId: 'password-reset-en' } });
    expect(ticket.events.find((e) => e.type === 'status_changed')?.data).toEqual({ from: 'new', to: 'resolved' });
    // What reports count.
    expect(await t.gateway.db.botTurn.count({ where: { ticket: { number: c.number }, action: 'deflected' } })).toBe(1);
  });

  it('takes a typed "да" right after the question as yes, in Russian', async () => {
    const c = chat();
    await c.say('Когда привезут мой заказ?');
    const answer = await c.botMessage(1);
    expect(answer.text).toMatch(/^Сколько идёт доставка\n\n/);
    expect(answer.text.endsWith('Это помогло?')).toBe(true);
    expect(answer.buttons.map((b) => b.label)).toEqual(['Да, помогло', 'Нет']);
    await c.say('да, спасибо');
    expect((await c.botMessage(2)).text).toMatch(/^Рад, что помог!/);
    expect((await c.ticket()).status).toBe('resolved');
  });

  it('helps again when a customer comes back to a ticket the bot resolved', async () => {
    const c = chat();
    await c.say('How do I return an item?');
    await c.press((await c.botMessage(1)).buttons[0]!);
    await c.botMessage(2);
    await c.say('And how much does delivery cost?');
    expect((await c.botMessage(3)).text).toMatch(/^How much does delivery cost/);
    const ticket = await c.ticket();
    expect(ticket.status).toBe('open'); // reopened by the customer
    expect(ticket.botActive).toBe(true);
  });
});

describe('the KB bot hands over', () => {
  it('hands the ticket to a person when the answer did not help', async () => {
    const c = chat();
    await c.say('What payment methods do you accept?');
    const answer = await c.botMessage(1);
    await c.press(answer.buttons[1]!);
    const handoff = await c.botMessage(2);
    expect(handoff.text).toBe('Sorry it did not help. I am passing your question to an agent: they will reply here.');
    const ticket = await c.ticket();
    expect(ticket.botActive).toBe(false);
    expect(ticket.events.find((e) => e.type === 'bot.handoff')).toMatchObject({ actor: { kind: 'bot' }, data: { reason: 'not_helpful' } });
    expect(handoffs).toContainEqual({ ticketNumber: c.number, reason: 'not_helpful' });
    // A person owns it now: the bot keeps out of it, even for a question it could answer.
    await c.say('How long does delivery take?');
    expect(await c.storedBotMessages()).toBe(2);
  });

  it('hands over at once, in Russian, when the customer asks for an operator', async () => {
    const c = chat();
    await c.say('Позовите оператора, пожалуйста');
    const handoff = await c.botMessage(1);
    expect(handoff.text).toBe('Передаю ваш вопрос оператору: он ответит здесь, как только освободится.');
    expect(handoff.author.name).toBe('Бот-помощник');
    expect((await c.ticket()).botActive).toBe(false);
    expect(handoffs).toContainEqual({ ticketNumber: c.number, reason: 'asked_for_human' });
  });

  it('hands over at once, in English, when the customer asks for a human — even mid-way', async () => {
    const c = chat();
    await c.say('How much does delivery cost?');
    await c.botMessage(1);
    await c.say('I want to talk to a human');
    expect((await c.botMessage(2)).text).toBe('I am passing your question to an agent: they will reply here as soon as they can.');
    expect((await c.ticket()).botActive).toBe(false);
  });

  it('hands over at once when nothing in the KB matches, telling the customer a person will answer', async () => {
    const c = chat();
    await c.say('Что такое квантовая запутанность?');
    const handoff = await c.botMessage(1);
    expect(handoff.text).toBe('Я не нашёл готового ответа на этот вопрос и передал его оператору: он ответит здесь.');
    const ticket = await c.ticket();
    expect(ticket.botActive).toBe(false);
    expect(ticket.events.find((e) => e.type === 'bot.handoff')?.data).toEqual({ reason: 'no_match' });
  });
});

describe('the KB bot is unsure', () => {
  it('offers the top three articles, and answers with the one the customer picks', async () => {
    const c = chat();
    await c.say('доставка');
    const offer = await c.botMessage(1);
    expect(offer.text).toBe('Возможно, вы имели в виду:');
    expect(offer.buttons.map((b) => b.id)).toEqual(['kb:article:delivery-cost-ru', 'kb:article:delivery-time-ru', 'kb:article:change-address-ru', 'kb:human']);
    expect(offer.buttons[1]!.label).toBe('Сколько идёт доставка');
    await c.press(offer.buttons[1]!);
    const answer = await c.botMessage(2);
    expect(answer.text).toMatch(/^Сколько идёт доставка\n\n/);
    expect(answer.buttons[0]!.id).toBe('kb:yes:delivery-time-ru');
    expect((await c.ticket()).botActive).toBe(true);
  });

  it('understands a typed number as the pick', async () => {
    const c = chat();
    await c.say('доставка');
    await c.botMessage(1);
    await c.say('2');
    expect((await c.botMessage(2)).text).toMatch(/^Сколько идёт доставка/);
  });

  it('hands over from the offer when the customer presses "talk to a person"', async () => {
    const c = chat();
    await c.say('доставка');
    const offer = await c.botMessage(1);
    await c.press(offer.buttons.at(-1)!);
    expect((await c.botMessage(2)).text).toMatch(/^Передаю ваш вопрос оператору/);
    expect((await c.ticket()).botActive).toBe(false);
  });
});

describe('the KB bot and agents', () => {
  it('stays silent after an agent replies, and is back once the agent resolves the ticket', async () => {
    const c = chat();
    await c.say('Where is my order?');
    await c.botMessage(1);
    const reply = await t.api('POST', `/tickets/${c.number}/messages`, { text: 'Let me check that for you.', agent: 'ivan' });
    expect(reply.status).toBe(201);
    expect((await c.ticket()).botActive).toBe(false);

    await c.say('How long does delivery take?');
    expect(await c.storedBotMessages()).toBe(1);

    expect((await t.api('PATCH', `/tickets/${c.number}`, { status: 'resolved' })).status).toBe(200);
    const resolved = await c.ticket();
    expect(resolved.botActive).toBe(true);
    expect(resolved.events.findLast((e) => e.type === 'botActive_changed')?.data).toEqual({ from: false, to: true });
    // A fresh question after the resolution: the bot helps again.
    await c.say('How do I reset my password?');
    expect((await c.botMessage(2)).text).toMatch(/^How to reset your password/);
  });

  it('speaks again when an agent hands the ticket back (botActive: true)', async () => {
    const c = chat();
    await c.say('operator please');
    await c.botMessage(1);
    expect((await t.api('PATCH', `/tickets/${c.number}`, { botActive: true })).status).toBe(200);
    await c.say('What payment methods do you accept?');
    expect((await c.botMessage(2)).text).toMatch(/^Payment methods/);
  });

  it('never answers agents or internal notes, and answers a message only once', async () => {
    const c = chat();
    await c.say('How much does delivery cost?');
    await c.botMessage(1);
    await t.api('POST', `/tickets/${c.number}/messages`, { text: 'customer asked about delivery', internal: true });
    expect(await c.storedBotMessages()).toBe(1);

    // The same event seen twice (a redelivery, or two instances): one answer.
    const c2 = chat();
    const messageId = await c2.say('How do I return an item?');
    await c2.botMessage(1);
    const ticket = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: c2.number } });
    const again = await t.gateway.knowledge.bot!.handle({ ticketId: ticket.id, messageId, text: 'How do I return an item?' });
    expect(again).toBeNull();
    expect(await c2.storedBotMessages()).toBe(1);
  });

  it('ignores a customer message delivered twice by the platform', async () => {
    const c = chat();
    const body = { chatId: c.chatId, messageId: randomUUID(), from: { id: `u-${c.chatId}`, name: 'Olga' }, text: 'How do I reset my password?' };
    expect((await t.inbound(body)).status).toBe(202);
    expect(((await (await t.inbound(body)).json()) as { duplicate: boolean }).duplicate).toBe(true);
    c.number = (await t.gateway.db.ticket.findFirstOrThrow({ where: { conversation: { externalChatId: c.chatId } } })).number;
    await c.botMessage(1);
    expect(await c.storedBotMessages()).toBe(1);
  });
});

describe('the KB bot learns without a restart', () => {
  it('finds an article created through the REST API by the next message', async () => {
    const res = await t.api('POST', '/kb/articles', {
      id: 'gift-wrap-en',
      title: 'Gift wrapping',
      lang: 'en',
      body: 'Tick **Gift wrap** at checkout: it costs 150 ₽ and we add a card with your note.',
      questions: ['can you gift wrap my order', 'do you offer gift wrapping'],
    });
    expect(res.status).toBe(201);
    const c = chat();
    await c.say('Can you gift wrap my order?');
    const answer = await c.botMessage(1);
    expect(answer.text).toBe('Gift wrapping\n\nTick Gift wrap at checkout: it costs 150 ₽ and we add a card with your note.\n\nDid this help?');
  });

  it('finds an edited article by the next message', async () => {
    const before = chat();
    await before.say('Do you ship parcels to Kazakhstan?');
    expect((await before.botMessage(1)).text).not.toMatch(/^International shipping/);

    expect((await t.api('PUT', '/kb/articles/international-en', { title: 'International shipping', lang: 'en', body: 'We ship to Kazakhstan and Belarus.', questions: [] })).status).toBe(201);
    const patched = await t.api('PATCH', '/kb/articles/international-en', { questions: ['do you ship parcels to kazakhstan', 'international delivery'] });
    expect(patched.status).toBe(200);
    const after = chat();
    await after.say('Do you ship parcels to Kazakhstan?');
    expect((await after.botMessage(1)).text).toMatch(/^International shipping\n\nWe ship to Kazakhstan and Belarus\./);
  });
});

describe('switched off', () => {
  it('BOT_ENABLED=false leaves every ticket to people', async () => {
    const quiet = await startTestGateway({ BOT_ENABLED: 'false', KB_DIR: SAMPLE_KB_DIR });
    try {
      expect(quiet.gateway.knowledge.bot).toBeNull();
      const r = await quiet.gateway.pipeline.ingest({ channel: 'api', chatId: randomUUID(), messageId: randomUUID(), from: { id: 'x' }, text: 'How long does delivery take?' });
      await quiet.gateway.events.idle();
      expect(await quiet.gateway.db.message.count({ where: { ticketId: r.ticketId, authorKind: 'bot' } })).toBe(0);
      // The KB itself still serves the API and the widget.
      const s = await eventually(async () => (await fetch(`${quiet.baseUrl}/widget/suggest?q=delivery%20time&lang=en`)).json() as Promise<{ articles: unknown[] }>);
      expect(s.articles.length).toBeGreaterThan(0);
    } finally {
      await quiet.stop();
    }
  });
});
