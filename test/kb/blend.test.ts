import { describe, expect, it } from 'vitest';
import { selectTop, ViewScores } from '../../src/kb/blend.js';
import { phraseGrams } from '../../src/kb/analyzer.js';

describe('selectTop', () => {
  it('returns the same as sorting everything and taking the first k', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 50; trial++) {
      const xs = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 10));
      const before = (i: number, j: number): boolean => (xs[i] as number) > (xs[j] as number) || (xs[i] === xs[j] && i < j);
      const all = xs.map((_, i) => i).sort((i, j) => (before(i, j) ? -1 : 1));
      for (const k of [1, 3, 5, xs.length]) expect(selectTop(xs.length, k, before)).toEqual(all.slice(0, k));
    }
    expect(selectTop(3, 0, () => true)).toEqual([]);
  });
});

describe('ViewScores', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const idOf = (k: number): string => ids[k] as string;

  it('blends views with their shares, ranks, and reports how many views agree on the top', () => {
    const v = new ViewScores();
    v.start(4);
    v.set(0, 0, 0.9); // article view: a
    v.set(0, 1, 0.5);
    v.set(2, 0, 0.2); // n-gram view prefers b
    v.set(2, 1, 0.6);
    v.set(3, 0, 0.8); // centroid view: a
    v.set(3, 1, 0.3);
    const { ranked, explained, agreement } = v.rank([1 / 3, 0, 1 / 3, 1 / 3], 5, idOf);
    expect(ranked.map((r) => r.id)).toEqual(['a', 'b']);
    expect(ranked[0]!.score).toBeCloseTo((0.9 + 0.2 + 0.8) / 3, 12);
    expect(explained[0]).toBeCloseTo(ranked[0]!.score, 12);
    // the example view has share 0: only three views vote, two of them for "a"
    expect(agreement).toBeCloseTo(2 / 3, 12);
  });

  it('caps each view at 1 in `explained`, keeps the raw blend as the score', () => {
    const v = new ViewScores();
    v.start(2);
    v.set(0, 0, 1.4);
    v.set(3, 0, 0.6);
    const { ranked, explained } = v.rank([0.5, 0, 0, 0.5], 5, idOf);
    expect(ranked[0]!.score).toBeCloseTo(1, 12);
    expect(explained[0]).toBeCloseTo(0.8, 12);
  });

  it('leaves out articles matched by character n-grams alone, and starts each query clean', () => {
    const v = new ViewScores();
    v.start(4);
    v.set(2, 2, 0.9); // only the n-gram view knows "c"
    v.set(0, 3, 0.1);
    expect(v.rank([0.5, 0, 0.5, 0], 5, idOf).ranked.map((r) => r.id)).toEqual(['d']);
    v.start(4);
    v.max(1, 1, 0.4);
    v.max(1, 1, 0.2);
    const { ranked } = v.rank([0, 1, 0, 0], 5, idOf);
    expect(ranked.map((r) => [r.id, r.example, r.article])).toEqual([['b', 0.4, 0]]);
  });

  it('breaks ties by id', () => {
    const v = new ViewScores();
    v.start(4);
    for (const k of [3, 1, 2]) v.set(0, k, 0.5);
    expect(v.rank([1, 0, 0, 0], 2, idOf).ranked.map((r) => r.id)).toEqual(['b', 'c']);
  });
});

describe('phraseGrams', () => {
  it('counts 3- and 4-grams of the normalized text across word boundaries', () => {
    const grams = phraseGrams('Top up!');
    // " top up " has 6 three-grams and 5 four-grams, all distinct
    expect([...grams.values()].reduce((a, b) => a + b, 0)).toBe(11);
    expect(phraseGrams('top up')).toEqual(grams);
    expect(phraseGrams('up top')).not.toEqual(grams);
  });

  it('adds into a given map and ignores text without letters or digits', () => {
    const into = phraseGrams('card');
    const once = new Map(into);
    phraseGrams('card', into);
    for (const [g, n] of once) expect(into.get(g)).toBe(2 * n);
    expect(phraseGrams('!!! ...').size).toBe(0);
  });
});
