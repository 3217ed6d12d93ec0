import { beforeAll, describe, expect, it } from 'vitest';
import type { KbArticle } from '../../src/kb/article.js';
import { KbIndex } from '../../src/kb/kb-index.js';
import { LanguageIndex } from '../../src/kb/lang-index.js';
import { DEFAULT_MATCHER_OPTIONS } from '../../src/kb/options.js';
import { readKbDir } from '../../src/kb/markdown.js';

let sample: KbArticle[];
beforeAll(async () => {
  sample = await readKbDir('kb/sample');
});

function sampleIndex(): KbIndex {
  const index = new KbIndex();
  for (const a of sample) index.upsert(a);
  return index;
}

const top = (index: KbIndex, text: string): string | undefined => index.search(text, { limit: 1 })[0]?.article.id;

describe('KbIndex on the sample KB', () => {
  it('loads every sample article in both languages', () => {
    const index = sampleIndex();
    expect(index.size).toBe(sample.length);
    expect(sample.filter((a) => a.lang === 'ru').length).toBe(sample.filter((a) => a.lang === 'en').length);
    expect(index.get('delivery-time-ru')?.title).toBe('Сколько идёт доставка');
  });

  it.each([
    ['Когда мне доставят посылку?', 'delivery-time-ru'],
    ['сколько стоит курьер', 'delivery-cost-ru'],
    ['Забыла пароль от аккаунта', 'password-reset-ru'],
    ['Хочу вернуть куртку, она мне мала', 'returns-ru'],
    ['промокод не применяется', 'promo-codes-ru'],
    ['как оплатить картой?', 'payment-methods-ru'],
    ['How much is shipping?', 'delivery-cost-en'],
    ['do you accept Visa', 'payment-methods-en'],
    ['how long will the refund take', 'refund-time-en'],
    ['I need to cancel the order I placed yesterday', 'cancel-order-en'],
    ["where's my package", 'order-status-en'],
  ])('paraphrase %j finds %s', (text, id) => {
    expect(top(sampleIndex(), text)).toBe(id);
  });

  it('answers in the language of the question', () => {
    const index = sampleIndex();
    expect(index.search('Где мой заказ?').every((c) => c.article.lang === 'ru')).toBe(true);
    expect(index.search('Where is my order?').every((c) => c.article.lang === 'en')).toBe(true);
    expect(index.search('Where is my order?', { lang: 'ru' })).toEqual([]);
  });

  it('tolerates a one-letter typo and folds synonyms', () => {
    const index = sampleIndex();
    expect(top(index, 'I forgot my pasword')).toBe('password-reset-en');
    expect(top(index, 'when do I get reimbursed')).toBe('refund-time-en');
    expect(top(index, 'забыл паролль')).toBe('password-reset-ru');
  });

  it('returns results best first with confidence in 0..1 and respects limit', () => {
    const res = sampleIndex().search('как вернуть товар', { limit: 3 });
    expect(res).toHaveLength(3);
    expect(res[0]?.article.id).toBe('returns-ru');
    for (let i = 1; i < res.length; i++) expect(res[i - 1]!.score).toBeGreaterThanOrEqual(res[i]!.score);
    for (const c of res) {
      expect(c.confidence).toBeGreaterThanOrEqual(0);
      expect(c.confidence).toBeLessThanOrEqual(1);
    }
    expect(res[0]!.confidence).toBeGreaterThan(res[1]!.confidence);
  });

  it('gives the same confidence whatever the limit, and offers a one-word question as a suggestion', () => {
    const index = sampleIndex();
    const five = index.search('сколько стоит курьер', { limit: 5 });
    expect(index.search('сколько стоит курьер', { limit: 1 })[0]!.confidence).toBe(five[0]!.confidence);
    expect(index.search('сколько стоит курьер', { limit: 10 }).slice(0, 5)).toEqual(five);
    // "delivery" alone fits the cost and the time articles about equally well.
    const [first, second] = index.search('доставка');
    expect(first!.confidence).toBeLessThan(0.85);
    expect(first!.confidence + second!.confidence).toBeGreaterThan(0.85);
  });

  it('is confident on a clear match and not on an off-topic question', () => {
    const index = sampleIndex();
    expect(index.search('can i cancel my order')[0]!.confidence).toBeGreaterThan(0.9);
    expect(index.search('what is the meaning of life')[0]?.confidence ?? 0).toBeLessThan(0.5);
    expect(index.search('привет')).toEqual([]);
  });
});

describe('KbIndex incremental updates', () => {
  const art = (id: string, title: string, questions: string[]): KbArticle => ({
    id,
    title,
    lang: 'en',
    body: '',
    questions,
    tags: [],
    category: null,
  });

  it('upsert adds, replaces and remove deletes', () => {
    const index = new KbIndex();
    index.upsert(art('gift', 'Gift wrapping', ['can you wrap my present', 'do you offer gift wrapping']));
    index.upsert(art('hours', 'Opening hours', ['when are you open']));
    expect(index.size).toBe(2);
    expect(top(index, 'please wrap it as a present')).toBe('gift');

    // Replacing the article by id re-indexes it: old words no longer match.
    index.upsert(art('gift', 'Gift cards', ['how do I buy a gift card']));
    expect(index.size).toBe(2);
    expect(top(index, 'please wrap it as a present')).toBeUndefined();
    expect(top(index, 'buy a gift card')).toBe('gift');

    index.remove('gift');
    expect(index.size).toBe(1);
    expect(index.get('gift')).toBeUndefined();
    expect(top(index, 'buy a gift card')).toBeUndefined();
    index.remove('missing'); // unknown ids are ignored
    expect(index.size).toBe(1);
  });

  it('scores after remove equal a fresh build without the removed article', () => {
    const a = art('a', 'Delivery time', ['how long does delivery take', 'when will my parcel arrive']);
    const b = art('b', 'Delivery cost', ['how much is delivery', 'is delivery free']);
    const c = art('c', 'Returns', ['how do I return an item', 'can I send it back']);
    const incremental = new KbIndex();
    for (const x of [a, b, c]) incremental.upsert(x);
    incremental.remove('b');
    const fresh = new KbIndex();
    for (const x of [a, c]) fresh.upsert(x);
    for (const q of ['how long is delivery', 'return an item', 'delivery parcel arrive']) {
      const got = incremental.search(q).map((x) => [x.article.id, x.score.toFixed(10)]);
      const want = fresh.search(q).map((x) => [x.article.id, x.score.toFixed(10)]);
      expect(got).toEqual(want);
    }
  });

  it('a new article changes term statistics of the others (IDF is live)', () => {
    const index = new LanguageIndex(DEFAULT_MATCHER_OPTIONS);
    index.upsert(art('a', 'Order status', ['where is my order']));
    index.upsert(art('b', 'Cancel', ['cancel my order']));
    const before = index.score('order status').find((x) => x.id === 'a')!;
    // More articles mentioning "order" make that word less informative than
    // "status", so the share of the query article "a" explains changes (in
    // the word BM25F view it grows: its distinctive word "status" now weighs more).
    index.upsert(art('c', 'Order change', ['change my order']));
    index.upsert(art('d', 'Order address', ['order address']));
    const after = index.score('order status').find((x) => x.id === 'a')!;
    expect(after.article).toBeGreaterThan(before.article);
    expect(after.score).not.toBeCloseTo(before.score, 6);
  });

  it('does not keep a reference to the caller object', () => {
    const index = new KbIndex();
    const x = art('x', 'Gift wrapping', ['wrap my present']);
    index.upsert(x);
    x.questions.push('something else');
    expect(index.get('x')?.questions).toEqual(['wrap my present']);
  });
});
