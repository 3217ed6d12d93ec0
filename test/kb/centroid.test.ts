import { describe, expect, it } from 'vitest';
import { CentroidIndex, sublinear } from '../../src/kb/centroid.js';

const ex = (...terms: string[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
};
const q = (...terms: string[]) => terms.map((term) => ({ term, weight: 1 }));
const cosines = (c: CentroidIndex, query: ReturnType<typeof q>): Map<number, number> => {
  const out = new Map<number, number>();
  c.score(query, (key, cos) => out.set(key, cos));
  return out;
};

describe('CentroidIndex', () => {
  it('gives cosine 1 to a query that is exactly an article with one example', () => {
    const c = new CentroidIndex();
    c.upsert(0, [ex('refund', 'order')]);
    c.upsert(1, [ex('track', 'parcel')]);
    expect(cosines(c, q('refund', 'order')).get(0)).toBeCloseTo(1, 12);
    expect(cosines(c, q('refund', 'order')).has(1)).toBe(false);
  });

  it('prefers the article whose examples all share the query words over one that mentions them once', () => {
    const c = new CentroidIndex();
    c.upsert(0, [ex('reset', 'password'), ex('forgot', 'password'), ex('password', 'change')]);
    c.upsert(1, [ex('password', 'delivery', 'address'), ex('delivery', 'time'), ex('delivery', 'cost')]);
    const s = cosines(c, q('password'));
    expect(s.get(0)).toBeGreaterThan(s.get(1) as number);
  });

  it('lowers every cosine for query words the KB does not know', () => {
    const c = new CentroidIndex();
    c.upsert(0, [ex('refund', 'order')]);
    c.upsert(1, [ex('track', 'order')]);
    const known = cosines(c, q('refund', 'order')).get(0) as number;
    expect(cosines(c, q('refund', 'order', 'zebra')).get(0)).toBeLessThan(known);
  });

  it('after updates, scores equal a fresh build (IDF and norms are live)', () => {
    const docs: [number, Map<string, number>[]][] = [
      [0, [ex('refund', 'order'), ex('money', 'back')]],
      [1, [ex('track', 'order'), ex('where', 'parcel')]],
      [2, [ex('cancel', 'order'), ex('cancel', 'subscription')]],
    ];
    const c = new CentroidIndex();
    for (const [k, e] of docs) c.upsert(k, e);
    const before = cosines(c, q('order', 'parcel')).get(1) as number;
    c.remove(2);
    c.upsert(0, [ex('refund', 'order', 'parcel')]);
    const fresh = new CentroidIndex();
    fresh.upsert(0, [ex('refund', 'order', 'parcel')]);
    fresh.upsert(1, docs[1]![1]);
    for (const query of [q('order', 'parcel'), q('refund'), q('cancel', 'order')]) {
      expect([...cosines(c, query)].sort()).toEqual([...cosines(fresh, query)].sort());
    }
    expect(cosines(c, q('order', 'parcel')).get(1)).not.toBeCloseTo(before, 6);
    expect(c.size).toBe(2);
  });

  it('ignores articles without terms and unknown keys', () => {
    const c = new CentroidIndex();
    c.upsert(0, [new Map()]);
    c.remove(42);
    expect(c.size).toBe(0);
    expect(cosines(c, q('anything')).size).toBe(0);
  });

  it('uses 1 + ln(tf) for repeats and keeps fractional weights', () => {
    expect(sublinear(1)).toBe(1);
    expect(sublinear(0.5)).toBe(0.5);
    expect(sublinear(3)).toBeCloseTo(1 + Math.log(3), 12);
  });
});
