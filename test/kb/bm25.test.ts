import { describe, expect, it } from 'vitest';
import { Bm25Corpus } from '../../src/kb/bm25.js';

const scores = (c: Bm25Corpus, terms: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  c.score(terms.map((term) => ({ term, weight: 1 })), (id, s) => (out[id] = s));
  return out;
};

describe('Bm25Corpus', () => {
  it('keeps document frequencies as live counters', () => {
    const c = new Bm25Corpus([{ weight: 1, b: 0.75 }]);
    c.upsert('1', [['card', 'lost']]);
    c.upsert('2', [['card', 'fee']]);
    expect(c.size).toBe(2);
    expect(c.df('card')).toBe(2);
    const rareIdf = c.idf('lost');
    expect(c.idf('card')).toBeLessThan(rareIdf);
    c.upsert('3', [['lost', 'phone']]);
    expect(c.df('lost')).toBe(2);
    c.remove('3');
    expect(c.df('lost')).toBe(1);
    expect(c.idf('lost')).toBeCloseTo(rareIdf, 12);
    c.upsert('1', [['fee']]); // replace: old terms are forgotten
    expect(c.df('lost')).toBe(0);
    expect(c.df('card')).toBe(1);
  });

  it('ranks the document with the rarer matching term higher', () => {
    const c = new Bm25Corpus([{ weight: 1, b: 0.75 }]);
    c.upsert('a', [['card', 'lost']]);
    c.upsert('b', [['card', 'fee']]);
    c.upsert('c', [['card', 'limit']]);
    const s = scores(c, ['card', 'lost']);
    expect(s['a']).toBeGreaterThan(s['b'] as number);
    expect(s['b']).toBeCloseTo(s['c'] as number, 12);
  });

  it('weights fields and reports the group of each document', () => {
    const c = new Bm25Corpus([
      { weight: 3, b: 0 },
      { weight: 1, b: 0 },
    ]);
    c.upsert('x', [['refund'], ['other']], 'article-1');
    c.upsert('y', [['other'], ['refund']], 'article-2');
    const s = scores(c, ['refund']);
    expect(Object.keys(s).sort()).toEqual(['article-1', 'article-2']);
    expect(s['article-1']).toBeGreaterThan(s['article-2'] as number);
  });

  it('accepts term counts and reuses freed slots', () => {
    const c = new Bm25Corpus([{ weight: 1, b: 0.5 }]);
    c.upsert('a', [new Map([['x', 3]])]);
    c.upsert('b', [['x']]);
    c.remove('a');
    c.upsert('c', [['y']]);
    expect(scores(c, ['x', 'y'])).toEqual({ b: expect.any(Number), c: expect.any(Number) });
  });

  it('self score bounds the score of a perfect match', () => {
    const c = new Bm25Corpus([{ weight: 1, b: 0.75 }]);
    c.upsert('a', [['card', 'lost']]);
    c.upsert('b', [['card', 'fee']]);
    const q = [
      { term: 'card', weight: 1 },
      { term: 'lost', weight: 1 },
    ];
    const self = c.selfScore(q, 0.5);
    expect(scores(c, ['card', 'lost'])['a']! / self).toBeCloseTo(1, 1);
    // An unknown word makes the query less answerable.
    expect(c.selfScore([...q, { term: 'zebra', weight: 1 }], 0.5)).toBeGreaterThan(self);
  });

  it('scores a one-field document given as counts exactly like the same terms as a list', () => {
    const asList = new Bm25Corpus([{ weight: 1, b: 0.75 }]);
    const asCounts = new Bm25Corpus([{ weight: 1, b: 0.75 }]);
    const docs: Record<string, string[]> = { a: ['x', 'x', 'y'], b: ['y', 'z'], c: ['x', 'z', 'z', 'w'] };
    for (const [id, terms] of Object.entries(docs)) {
      asList.upsert(id, [terms]);
      const counts = new Map<string, number>();
      for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
      asCounts.upsert(id, [counts]);
    }
    expect(scores(asCounts, ['x', 'z'])).toEqual(scores(asList, ['x', 'z']));
    asList.remove('b');
    asCounts.remove('b');
    expect(scores(asCounts, ['y', 'z'])).toEqual(scores(asList, ['y', 'z']));
    expect(asCounts.df('z')).toBe(1);
  });

  it('takes numeric terms and numeric groups', () => {
    const c = new Bm25Corpus<number, number>([{ weight: 1, b: 0.75 }]);
    c.upsert('a', [new Map([[7, 2], [9, 1]])], 0);
    c.upsert('b', [new Map([[9, 1]])], 1);
    const out = new Map<number, number>();
    c.score([{ term: 7, weight: 1 }, { term: 9, weight: 1 }], (g, s) => out.set(g, s));
    expect([...out.keys()].sort()).toEqual([0, 1]);
    expect(out.get(0)).toBeGreaterThan(out.get(1) as number);
    c.remove('a');
    expect(c.df(7)).toBe(0);
    expect(c.df(9)).toBe(1);
  });

  it('keeps every other document intact when one in the middle of a posting is removed', () => {
    const c = new Bm25Corpus([
      { weight: 2, b: 0.5 },
      { weight: 1, b: 0.5 },
    ]);
    const fresh = new Bm25Corpus([
      { weight: 2, b: 0.5 },
      { weight: 1, b: 0.5 },
    ]);
    for (const id of ['a', 'b', 'c', 'd']) c.upsert(id, [['card', id], ['card', 'fee']]);
    c.remove('b');
    for (const id of ['a', 'c', 'd']) fresh.upsert(id, [['card', id], ['card', 'fee']]);
    expect(scores(c, ['card', 'fee', 'c'])).toEqual(scores(fresh, ['card', 'fee', 'c']));
  });
});
