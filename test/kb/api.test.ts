/** The knowledge-base REST API and the widget's suggestions, on real PostgreSQL and Redis. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { API_SECRET, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { Chat } from './support.js';

let t: TestGateway;
let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, KB_DIR: SAMPLE_KB_DIR });
});
afterAll(async () => {
  await t?.stop();
  await hook?.close();
});

interface ArticleJson {
  id: string;
  title: string;
  lang: string;
  category: string | null;
  tags: string[];
  questions: string[];
  body: string;
  published: boolean;
  createdAt: string;
  updatedAt: string;
}

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

const article = { title: 'Loyalty points', lang: 'en', body: 'You earn **1 point** per 100 ₽.', questions: ['how do loyalty points work'], tags: ['loyalty'], category: 'Account' };

describe('KB articles over REST', () => {
  it('creates, reads, lists, replaces, patches and deletes an article', async () => {
    const created = await t.api('POST', '/kb/articles', { id: 'loyalty-en', ...article });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/v1/kb/articles/loyalty-en');
    expect(await json(created)).toMatchObject({ id: 'loyalty-en', ...article });

    const read = await json<ArticleJson>(await t.api('GET', '/kb/articles/loyalty-en'));
    expect(read).toMatchObject({ id: 'loyalty-en', title: 'Loyalty points', category: 'Account' });

    const list = await json<{ articles: ArticleJson[]; total: number }>(await t.api('GET', '/kb/articles?lang=en&tag=loyalty'));
    expect(list.total).toBe(1);
    expect(list.articles[0]!.id).toBe('loyalty-en');
    const all = await json<{ total: number }>(await t.api('GET', '/kb/articles?limit=1'));
    expect(all.total).toBeGreaterThanOrEqual(27);
    const found = await json<{ articles: ArticleJson[] }>(await t.api('GET', '/kb/articles?q=LOYALTY'));
    expect(found.articles.map((a) => a.id)).toEqual(['loyalty-en']);
    // LIKE wildcards are searched for as text.
    expect((await json<{ total: number }>(await t.api('GET', '/kb/articles?q=%25'))).total).toBe(0);

    const replaced = await t.api('PUT', '/kb/articles/loyalty-en', { title: 'Bonus points', lang: 'en', body: 'Points expire after a year.' });
    expect(replaced.status).toBe(200);
    expect(await json(replaced)).toMatchObject({ title: 'Bonus points', questions: [], tags: [], category: null });

    const patched = await t.api('PATCH', '/kb/articles/loyalty-en', { tags: ['bonus', 'bonus'], category: 'Loyalty' });
    expect(await json(patched)).toMatchObject({ title: 'Bonus points', tags: ['bonus'], category: 'Loyalty' });

    expect((await t.api('DELETE', '/kb/articles/loyalty-en')).status).toBe(204);
    expect((await t.api('GET', '/kb/articles/loyalty-en')).status).toBe(404);
    expect(t.gateway.knowledge.kb.get('loyalty-en')).toBeUndefined();
  });

  it('PUT creates an article under a new id', async () => {
    const res = await t.api('PUT', '/kb/articles/put-created-en', { title: 'Put', lang: 'en', body: 'Body' });
    expect(res.status).toBe(201);
    expect((await t.api('PUT', '/kb/articles/put-created-en', { id: 'other', title: 'Put', lang: 'en', body: 'Body' })).status).toBe(400);
  });

  it('makes a readable id from the title when none is given', async () => {
    const a = await json<ArticleJson>(await t.api('POST', '/kb/articles', { title: 'Как оформить рассрочку?', lang: 'ru', body: 'Через «Оплату частями».' }));
    expect(a.id).toBe('kak-oformit-rassrochku-ru');
    const b = await json<ArticleJson>(await t.api('POST', '/kb/articles', { title: 'Как оформить рассрочку?', lang: 'ru', body: 'Второй вариант.' }));
    expect(b.id).toBe('kak-oformit-rassrochku-2-ru');
  });

  it('refuses bad articles with a 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ lang: 'en', body: 'x' }, 'title'],
      [{ ...article, lang: 'de' }, 'lang'],
      [{ ...article, body: '   ' }, 'body'],
      [{ ...article, id: 'has space' }, 'id'],
      [{ ...article, questions: ['ok', ''] }, 'questions.1'],
      [{ ...article, tags: 'loyalty' }, 'tags'],
      [{ ...article, title: 'a\u0000b' }, 'title'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api('POST', '/kb/articles', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json(res)).field).toBe(field);
    }
    const patch = await t.api('PATCH', '/kb/articles/returns-en', { lang: 'fr' });
    expect(patch.status).toBe(400);
    expect((await json(patch)).field).toBe('lang');
    expect((await t.api('PATCH', '/kb/articles/returns-en', { colour: 'red' })).status).toBe(400);
  });

  it('answers 409 for a taken id, 404 for unknown articles, 401 without the token', async () => {
    const dup = await t.api('POST', '/kb/articles', { id: 'returns-en', ...article });
    expect(dup.status).toBe(409);
    expect(await json(dup)).toMatchObject({ error: 'conflict', field: 'id' });
    expect((await t.api('GET', '/kb/articles/nope')).status).toBe(404);
    expect((await t.api('PATCH', '/kb/articles/nope', { title: 'x' })).status).toBe(404);
    expect((await t.api('DELETE', '/kb/articles/nope')).status).toBe(404);
    expect((await t.api('POST', '/kb/articles/nope/questions', { text: 'hello there' })).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/api/v1/kb/articles`)).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/api/v1/kb/search?q=delivery`)).status).toBe(401);
  });
});

describe('KB search', () => {
  it('returns ranked candidates with their confidence and what the bot would do', async () => {
    const res = await json<{ decision: string; candidates: Array<{ id: string; confidence: number; score: number }> }>(
      await t.api('GET', `/kb/search?q=${encodeURIComponent('сколько стоит доставка')}`),
    );
    expect(res.decision).toBe('answer');
    expect(res.candidates[0]!.id).toBe('delivery-cost-ru');
    expect(res.candidates[0]!.confidence).toBeGreaterThan(0.9);
    const confidences = res.candidates.map((c) => c.confidence);
    expect([...confidences].sort((a, b) => b - a)).toEqual(confidences);

    const unsure = await json<{ decision: string; candidates: unknown[] }>(await t.api('GET', '/kb/search?q=%D0%B4%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B0&limit=2'));
    expect(unsure.decision).toBe('suggest');
    expect(unsure.candidates).toHaveLength(2);
    const en = await json<{ candidates: Array<{ lang: string }> }>(await t.api('GET', '/kb/search?q=delivery&lang=en'));
    expect(en.candidates.every((c) => c.lang === 'en')).toBe(true);
  });

  it('needs a query', async () => {
    const res = await t.api('GET', '/kb/search');
    expect(res.status).toBe(400);
    expect((await json(res)).field).toBe('q');
    expect((await t.api('GET', '/kb/search?q=x&lang=de')).status).toBe(400);
  });
});

describe('widget suggestions', () => {
  const suggest = async (q: string, lang = 'en', headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.baseUrl}/widget/suggest?q=${encodeURIComponent(q)}&lang=${lang}`, { headers });
    expect(res.status).toBe(200);
    return { res, body: (await res.json()) as { articles: Array<{ id: string; title: string; snippet: string }> } };
  };

  it('suggests up to three articles with a plain-text snippet, without a token', async () => {
    const { body } = await suggest('how do I return');
    expect(body.articles[0]).toEqual({
      id: 'returns-en',
      title: 'How to return an item',
      snippet: expect.stringMatching(/^You can return an item within 14 days of receiving it/) as unknown as string,
    });
    expect(body.articles.length).toBeLessThanOrEqual(3);
    expect(body.articles.every((a) => !a.snippet.includes('**') && a.snippet.length <= 160)).toBe(true);
  });

  it('follows the language the visitor types in', async () => {
    const { body } = await suggest('забыл пароль', 'en');
    expect(body.articles[0]?.id).toBe('password-reset-ru');
  });

  it('returns nothing for short or unmatched queries', async () => {
    expect((await suggest('de')).body.articles).toEqual([]);
    expect((await suggest('   ')).body.articles).toEqual([]);
    expect((await suggest('quantum chromodynamics lecture')).body.articles).toEqual([]);
  });

  it('lets the widget call it from another site', async () => {
    const { res } = await suggest('delivery cost', 'en', { origin: 'https://shop.example' });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });
});

describe('learning from tickets', () => {
  it('saves an agent reply as a draft article, which the bot uses only once an admin publishes it', async () => {
    const c = new Chat(t, hook);
    await c.say('Можно ли забрать заказ в другом городе?');
    await c.botMessage(1); // no match: handed over
    const reply = await t.api('POST', `/tickets/${c.number}/messages`, { text: 'Да, выберите при оформлении **пункт выдачи** в нужном городе.' });
    const { messageId } = await json<{ messageId: string }>(reply);

    const res = await t.api('POST', `/tickets/${c.number}/kb-article`, { messageId, tags: ['pickup'] });
    expect(res.status).toBe(201);
    const saved = await json<ArticleJson>(res);
    expect(saved).toMatchObject({
      id: 'mozhno-li-zabrat-zakaz-v-drugom-gorode-ru',
      title: 'Можно ли забрать заказ в другом городе?',
      lang: 'ru',
      questions: ['Можно ли забрать заказ в другом городе?'],
      body: 'Да, выберите при оформлении **пункт выдачи** в нужном городе.',
      tags: ['pickup'],
      published: false,
    });
    expect((await c.ticket()).events.find((e) => e.type === 'kb.article_saved')?.data).toEqual({ articleId: saved.id, published: false });

    // A draft: not searched, not suggested, and the next customer asking the same gets a person.
    expect(t.gateway.knowledge.kb.get(saved.id)).toBeUndefined();
    const search = await json<{ candidates: Array<{ id: string }> }>(await t.api('GET', `/kb/search?q=${encodeURIComponent('можно ли забрать заказ в другом городе')}`));
    expect(search.candidates.map((x) => x.id)).not.toContain(saved.id);
    const suggested = (await (await fetch(`${t.baseUrl}/widget/suggest?q=${encodeURIComponent('забрать заказ в другом городе')}&lang=ru`)).json()) as { articles: Array<{ id: string }> };
    expect(suggested.articles.map((a) => a.id)).not.toContain(saved.id);
    const before = new Chat(t, hook);
    await before.say('можно ли забрать заказ в другом городе');
    expect((await before.botMessage(1)).text).not.toMatch(/пункт выдачи/);
    const drafts = await json<{ articles: ArticleJson[] }>(await t.api('GET', '/kb/articles?published=false&limit=200'));
    expect(drafts.articles.map((a) => a.id)).toContain(saved.id);
    expect(drafts.articles.every((a) => !a.published)).toBe(true);

    // An admin publishes it: the next customer asking the same is answered by the bot, without a restart.
    const published = await t.api('PATCH', `/kb/articles/${saved.id}`, { published: true });
    expect(published.status).toBe(200);
    expect(await json(published)).toMatchObject({ id: saved.id, published: true });
    const next = new Chat(t, hook);
    await next.say('можно ли забрать заказ в другом городе');
    expect((await next.botMessage(1)).text).toMatch(/^Можно ли забрать заказ в другом городе\?\n\nДа, выберите при оформлении пункт выдачи/);

    // Editing a draft does not publish it; unpublishing takes it out of the index again.
    expect((await json<ArticleJson>(await t.api('PATCH', `/kb/articles/${saved.id}`, { published: false }))).published).toBe(false);
    expect(t.gateway.knowledge.kb.get(saved.id)).toBeUndefined();
    const put = await json<ArticleJson>(await t.api('PUT', `/kb/articles/${saved.id}`, { title: saved.title, lang: 'ru', body: saved.body }));
    expect(put.published).toBe(false);
    expect(t.gateway.knowledge.kb.get(saved.id)).toBeUndefined();
  });

  it("leaves the customer's name and order number out of the draft", async () => {
    const c = new Chat(t, hook, 'Мария Иванова');
    await c.say('Где мой заказ 12345? Уже неделю жду.');
    await c.botMessage(1);
    expect((await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: c.number }, select: { contact: { select: { name: true } } } })).contact.name).toBe('Мария Иванова');
    await t.api('POST', `/tickets/${c.number}/messages`, { text: 'Здравствуйте, Мария Иванова! Заказ 12345 уже передан в доставку. Мария, трек-номер придёт по SMS.' });

    const saved = await json<ArticleJson>(await t.api('POST', `/tickets/${c.number}/kb-article`, {}));
    expect(saved).toMatchObject({
      title: 'Где мой заказ? Уже неделю жду.',
      questions: ['Где мой заказ? Уже неделю жду.'],
      body: 'Здравствуйте! Заказ уже передан в доставку. Трек-номер придёт по SMS.',
      published: false,
    });
    expect(JSON.stringify(saved)).not.toMatch(/Мари|Иванов|12345/);
  });

  it('keeps a question that also asks for a person, without the request', async () => {
    const c = new Chat(t, hook);
    await c.say('Списали деньги дважды за один заказ! оператор');
    await c.botMessage(1); // handed to a person
    await c.say('оператор, пожалуйста');
    await t.api('POST', `/tickets/${c.number}/messages`, { text: 'Второе списание вернётся на карту в течение 3 рабочих дней.' });
    const res = await t.api('POST', `/tickets/${c.number}/kb-article`, {});
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ title: 'Списали деньги дважды за один заказ!', questions: ['Списали деньги дважды за один заказ!'], published: false });
  });

  it('takes the latest agent reply by default, or the given text and title', async () => {
    const c = new Chat(t, hook);
    await c.say('Do you sell gift cards?');
    await c.botMessage(1);
    await c.say('operator');
    await t.api('POST', `/tickets/${c.number}/messages`, { text: 'Yes: 1,000 to 10,000 ₽, in the app.' });
    const auto = await json<ArticleJson>(await t.api('POST', `/tickets/${c.number}/kb-article`, {}));
    expect(auto).toMatchObject({ title: 'Do you sell gift cards?', body: 'Yes: 1,000 to 10,000 ₽, in the app.', lang: 'en', questions: ['Do you sell gift cards?'], published: false });

    const given = await json<ArticleJson>(
      await t.api('POST', `/tickets/${c.number}/kb-article`, { id: 'gift-cards-en', text: 'Gift cards: 1,000–10,000 ₽.', title: 'Gift cards', questions: ['gift card'] }),
    );
    expect(given).toMatchObject({ id: 'gift-cards-en', title: 'Gift cards', body: 'Gift cards: 1,000–10,000 ₽.', questions: ['gift card'] });
  });

  it('refuses what is not an agent reply, and unknown tickets', async () => {
    const c = new Chat(t, hook);
    const customerMessage = await c.say('Do you have a loyalty card?');
    const notReply = await t.api('POST', `/tickets/${c.number}/kb-article`, { messageId: customerMessage });
    expect(notReply.status).toBe(400);
    expect((await json(notReply)).field).toBe('messageId');
    const noReply = await t.api('POST', `/tickets/${c.number}/kb-article`, {});
    expect(noReply.status).toBe(400);
    expect((await json(noReply)).field).toBe('text');
    expect((await t.api('POST', '/tickets/999999/kb-article', { text: 'x', title: 'y' })).status).toBe(404);
  });

  it("adds a customer's phrasing to an article's questions, once", async () => {
    const added = await t.api('POST', '/kb/articles/returns-en/questions', { text: 'can I send the jacket back' });
    expect(added.status).toBe(201);
    expect((await json<ArticleJson>(added)).questions.at(-1)).toBe('can I send the jacket back');
    const again = await t.api('POST', '/kb/articles/returns-en/questions', { text: 'Can I send the jacket back?' });
    expect(again.status).toBe(200);
    expect((await json<ArticleJson>(again)).questions.filter((q) => /jacket/.test(q))).toHaveLength(1);

    const c = new Chat(t, hook);
    const messageId = await c.say('the sneakers are too small, what now');
    const fromMessage = await t.api('POST', '/kb/articles/returns-en/questions', { messageId });
    expect((await json<ArticleJson>(fromMessage)).questions.at(-1)).toBe('the sneakers are too small, what now');
    expect(t.gateway.knowledge.kb.get('returns-en')?.questions).toContain('the sneakers are too small, what now');

    const empty = await t.api('POST', '/kb/articles/returns-en/questions', { text: '  ' });
    expect(empty.status).toBe(400);
    expect((await json(empty)).field).toBe('text');
  });
});
