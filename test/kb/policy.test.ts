import { describe, expect, it } from 'vitest';
import type { KbArticle, KbCandidate } from '../../src/kb/article.js';
import { decide, DEFAULT_THRESHOLDS, wantsHuman } from '../../src/kb/policy.js';

const article = (id: string): KbArticle => ({ id, title: id, lang: 'en', body: '', questions: [], tags: [] });
const cand = (id: string, confidence: number, explained = confidence): KbCandidate => ({ article: article(id), score: confidence, confidence, explained });

describe('decide', () => {
  it('answers when the top candidate reaches the answer threshold', () => {
    const d = decide([cand('a', 0.95), cand('b', 0.03)]);
    expect(d).toEqual({ kind: 'answer', candidate: cand('a', 0.95) });
  });

  it('suggests the top 3 between the thresholds', () => {
    const list = [cand('a', 0.7), cand('b', 0.2), cand('c', 0.05), cand('d', 0.01)];
    const d = decide(list);
    expect(d.kind).toBe('suggest');
    if (d.kind === 'suggest') expect(d.candidates.map((c) => c.article.id)).toEqual(['a', 'b', 'c']);
  });

  it('hands off below the suggest threshold and when nothing matched', () => {
    expect(decide([cand('a', 0.3)])).toEqual({ kind: 'handoff', reason: 'no_match' });
    expect(decide([])).toEqual({ kind: 'handoff', reason: 'no_match' });
  });

  it('offers the articles below the suggest threshold when two of them each explain most of the query', () => {
    // "delivery": two articles fit all of it, so neither is sure, but the question is not unknown.
    const d = decide([cand('a', 0.3, 0.86), cand('b', 0.2, 0.85), cand('c', 0.1, 0.4)]);
    expect(d.kind === 'suggest' && d.candidates.map((c) => c.article.id)).toEqual(['a', 'b', 'c']);
    expect(decide([cand('a', 0.3, 0.9), cand('b', 0.2, 0.6)]).kind).toBe('handoff');
  });

  it('uses inclusive cut-offs and custom thresholds', () => {
    expect(decide([cand('a', DEFAULT_THRESHOLDS.answer)]).kind).toBe('answer');
    expect(decide([cand('a', DEFAULT_THRESHOLDS.suggest)]).kind).toBe('suggest');
    const t = { answer: 0.5, suggest: 0.2 };
    expect(decide([cand('a', 0.6)], t).kind).toBe('answer');
    expect(decide([cand('a', 0.3)], t).kind).toBe('suggest');
    expect(decide([cand('a', 0.1)], t).kind).toBe('handoff');
  });

  it('has sane defaults', () => {
    expect(DEFAULT_THRESHOLDS.answer).toBeGreaterThan(DEFAULT_THRESHOLDS.suggest);
    expect(DEFAULT_THRESHOLDS.suggest).toBeGreaterThan(0);
    expect(DEFAULT_THRESHOLDS.answer).toBeLessThanOrEqual(1);
  });
});

describe('wantsHuman', () => {
  it.each([
    'оператор',
    'Позовите оператора!',
    'Соедините с живым человеком',
    'человек',
    'Хочу поговорить с человеком',
    'позовите менеджера',
    'нужен специалист',
    'Можно живого сотрудника?',
    'agent',
    'I want to talk to a human',
    'Operator please',
    'can I speak with a real person',
    'get me a representative',
    'let me talk to someone',
  ])('detects %j', (text) => {
    expect(wantsHuman(text)).toBe(true);
  });

  it.each([
    'Где мой заказ?',
    'Сколько человек может получить заказ по одной доверенности?',
    'Как стать менеджером по продажам в вашей компании и какие условия',
    'How do I send money to someone abroad?',
    'What payment methods do you accept?',
    '',
  ])('ignores %j', (text) => {
    expect(wantsHuman(text)).toBe(false);
  });
});
