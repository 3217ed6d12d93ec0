import { describe, expect, it } from 'vitest';
import { confidences, featureVector, MAX_WORDS, topConfidence, type RankingFeatures } from '../../src/kb/confidence.js';

const f = (scores: number[], agreement = 1, words = 5): RankingFeatures => ({ scores, agreement, words });

describe('topConfidence', () => {
  it('is 0 without candidates', () => {
    expect(topConfidence(f([]))).toBe(0);
    expect(confidences(f([]))).toEqual([]);
  });

  it('is high for a full, clear match the views agree on', () => {
    expect(topConfidence(f([1, 0.3]))).toBeGreaterThan(0.95);
  });

  it('trusts two near-equal articles less than a clear winner, and a weak match not at all', () => {
    expect(topConfidence(f([0.9, 0.88]))).toBeLessThan(topConfidence(f([0.9, 0.5])) - 0.1);
    expect(topConfidence(f([0.5, 0.48], 2 / 3, 3))).toBeLessThan(0.3);
    expect(topConfidence(f([0.3, 0.1]))).toBeLessThan(0.5);
    expect(topConfidence(f([0.2]))).toBeLessThan(0.5);
  });

  it('grows with the top score, the margin, the views agreeing and the query length', () => {
    const base = topConfidence(f([0.7, 0.5], 2 / 3, 3));
    expect(topConfidence(f([0.8, 0.6], 2 / 3, 3))).toBeGreaterThan(base);
    expect(topConfidence(f([0.7, 0.4], 2 / 3, 3))).toBeGreaterThan(base);
    expect(topConfidence(f([0.7, 0.5], 1, 3))).toBeGreaterThan(base);
    expect(topConfidence(f([0.7, 0.5], 2 / 3, 6))).toBeGreaterThan(base);
  });

  it('stops counting words at MAX_WORDS', () => {
    expect(featureVector(f([1], 1, 40)).words).toBe(MAX_WORDS);
    expect(topConfidence(f([0.7, 0.5], 1, 40))).toBe(topConfidence(f([0.7, 0.5], 1, MAX_WORDS)));
  });

  it('treats a runner-up ahead on the capped scale as a negative margin', () => {
    expect(featureVector(f([0.8, 0.9])).margin).toBeCloseTo(-0.1, 12);
    expect(topConfidence(f([0.8, 0.9]))).toBeLessThan(topConfidence(f([0.8, 0.8])));
  });
});

describe('confidences', () => {
  it('gives the top candidate topConfidence() and orders the rest like the ranking', () => {
    const feats = f([0.9, 0.6, 0.55, 0.55, 0.3, 0.1, 0.05]);
    const c = confidences(feats);
    expect(c).toHaveLength(7);
    expect(c[0]).toBe(topConfidence(feats));
    for (let i = 1; i < c.length; i++) expect(c[i - 1]).toBeGreaterThanOrEqual(c[i] as number);
    expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
    expect(c.slice(0, 5).reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('never lets a runner-up exceed the top candidate, even when the top is doubtful', () => {
    const c = confidences(f([0.5, 0.5, 0.5], 0, 1));
    expect(c[1]).toBeLessThanOrEqual(c[0] as number);
    expect(c[2]).toBeLessThanOrEqual(c[1] as number);
  });

  it('is the same whatever number of candidates is asked for', () => {
    const feats = f([0.9, 0.6, 0.55, 0.4, 0.3, 0.1]);
    expect(confidences(feats, 2)).toEqual(confidences(feats).slice(0, 2));
  });
});
