import { describe, expect, it } from 'vitest';
import { confidences, NULL_CANDIDATE_SCORE } from '../../src/kb/confidence.js';

describe('confidences', () => {
  it('is empty for no candidates', () => {
    expect(confidences([])).toEqual([]);
  });

  it('splits confidence between near-equal candidates', () => {
    const [a, b] = confidences([0.9, 0.9]);
    expect(a).toBeCloseTo(b as number, 12);
    expect(a).toBeLessThan(0.5);
  });

  it('is high for a clear winner and grows with the margin', () => {
    const clear = confidences([1.0, 0.3, 0.2])[0] as number;
    const close = confidences([1.0, 0.8, 0.2])[0] as number;
    expect(clear).toBeGreaterThan(0.95);
    expect(close).toBeLessThan(clear);
  });

  it('does not trust a lone weak match', () => {
    expect(confidences([NULL_CANDIDATE_SCORE])[0]).toBeCloseTo(0.5, 12);
    expect(confidences([0.1])[0]).toBeLessThan(0.5);
  });

  it('stays in 0..1, ordered like the scores, and sums to at most 1', () => {
    const c = confidences([0.8, 0.6, 0.5, 0.5, 0.1, 0.05, 0.01]);
    expect(c).toHaveLength(7);
    for (let i = 1; i < c.length; i++) expect(c[i - 1]).toBeGreaterThanOrEqual(c[i] as number);
    expect(c.slice(0, 5).reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(1);
    expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
  });
});
