import { describe, expect, it } from 'vitest';
import { analyze, detectLanguage, normalize, removeStopwords, RU_STEM_MAX, stem, tokenize } from '../../src/kb/normalize.js';

describe('normalize', () => {
  it('lowercases, folds ё to е, strips punctuation and emoji, collapses spaces', () => {
    expect(normalize('  Ёлка,   ЁЖИК!!! 😀👍 Где   мой заказ?? ')).toBe('елка ежик где мой заказ');
    expect(normalize('Hello — "world"… (test) #1 🚚')).toBe('hello world test 1');
  });

  it('expands English negations and drops other clitics', () => {
    expect(normalize("I haven't received it")).toBe('i have not received it');
    expect(normalize("Can't log in, it's broken")).toBe('can not log in it broken');
    expect(normalize('It won’t arrive')).toBe('it will not arrive');
  });

  it('returns an empty string for text without letters or digits', () => {
    expect(normalize('?!… 😀')).toBe('');
  });
});

describe('detectLanguage', () => {
  it('uses the share of Cyrillic letters', () => {
    expect(detectLanguage('Где мой заказ?')).toBe('ru');
    expect(detectLanguage('Where is my order?')).toBe('en');
    expect(detectLanguage('не работает Apple Pay')).toBe('ru');
    expect(detectLanguage('my заказ is late')).toBe('en');
  });

  it('falls back when there are no letters', () => {
    expect(detectLanguage('12345 !!!')).toBe('en');
    expect(detectLanguage('😀', 'ru')).toBe('ru');
  });
});

describe('tokenize and stop words', () => {
  it('splits bare English negations', () => {
    expect(tokenize('i dont have it cant find')).toEqual(['i', 'do', 'not', 'have', 'it', 'can', 'not', 'find']);
  });

  it('removes Russian and English function words but keeps question words and negation', () => {
    expect(removeStopwords(tokenize(normalize('Подскажите, пожалуйста, почему я не получил мой заказ?')))).toEqual([
      'почему',
      'не',
      'получил',
      'заказ',
    ]);
    expect(removeStopwords(tokenize(normalize('Why have I not got the card?')))).toEqual(['why', 'not', 'got', 'card']);
  });

  it('drops Russian pronouns and "который" but keeps modal verbs', () => {
    expect(removeStopwords(tokenize(normalize('Можно ли отменить перевод, который она отправила?')))).toEqual([
      'можно',
      'отменить',
      'перевод',
      'отправила',
    ]);
  });
});

describe('stem', () => {
  it('conflates Russian inflections', () => {
    expect(stem('доставка')).toBe(stem('доставки'));
    expect(stem('доставки')).toBe(stem('доставкой'));
    expect(stem('заказа')).toBe(stem('заказы'));
    expect(stem('карту')).toBe(stem('картой'));
  });

  it('merges Russian derivational variants the stemmer leaves apart by truncating long stems', () => {
    expect(stem('активируется')).toBe(stem('активировать'));
    expect(stem('подтверждение')).toBe(stem('подтвердить'));
    expect(stem('подтверждение')).toHaveLength(RU_STEM_MAX);
    // Short stems are untouched, and English is never truncated.
    expect(stem('заказами')).toBe('заказ');
    expect(stem('withdrawals')).toBe('withdraw');
  });

  it('conflates English inflections', () => {
    expect(stem('refunds')).toBe(stem('refund'));
    expect(stem('cancelled')).toBe(stem('cancel'));
    expect(stem('payments')).toBe(stem('payment'));
  });

  it('picks the stemmer by the word script and leaves numbers alone', () => {
    expect(stem('заказами')).toBe('заказ');
    expect(stem('orders')).toBe('order');
    expect(stem('2024')).toBe('2024');
  });

  it('analyze runs the whole pipeline', () => {
    expect(analyze('Где мои ЗАКАЗЫ?!')).toEqual(['где', 'заказ']);
    expect(analyze("Where're my orders?")).toEqual(['where', 'order']);
  });
});
