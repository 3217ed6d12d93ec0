/**
 * Incremental TF-IDF cosine against article centroids.
 *
 * Each example question becomes a unit-length vector of sublinear term
 * counts; an article's centroid is the sum of its examples' vectors. A query
 * is scored by the cosine between its TF-IDF vector and each centroid
 * weighted by the same IDF (document frequency counted over articles).
 *
 * Why next to BM25: cosine normalizes by the article's whole vector, so an
 * article whose examples all say the same few words beats one that mentions
 * the query's words among many others, and every example counts equally
 * however long it is. BM25 saturates term counts instead; the two make
 * different mistakes, so averaging them ranks better than either.
 *
 * Why incremental: the centroid weights do not depend on the rest of the
 * KB. Only IDF does, and it enters at query time; the centroid's IDF-weighted
 * norm is cached per article and recomputed lazily for the articles a query
 * touches after any change (a cheap pass over their own terms, no re-analysis).
 */
import type { WeightedTerm } from './bm25.js';

interface Posting {
  slots: number[];
  weights: number[];
}

interface CentroidDoc {
  key: number;
  /** Postings of the centroid's terms, aligned with `weights` (saves a Map lookup per term). */
  postings: Posting[];
  terms: string[];
  weights: number[];
  /** IDF-weighted norm, valid while `normVersion` equals the index version. */
  norm: number;
  normVersion: number;
}

/** Term counts of one example: term → count (counts may be fractional, e.g. bigram weights). */
export type ExampleTerms = ReadonlyMap<string, number>;

/** Sublinear term frequency: 1 + ln(tf) for repeats, the weight itself for fractional counts. */
export function sublinear(tf: number): number {
  return tf > 1 ? 1 + Math.log(tf) : tf;
}

/**
 * Cosine similarity of queries to article centroids, updated one article at
 * a time. Articles are identified by a caller's numeric key (LanguageIndex
 * numbers its articles so that scores land in flat arrays).
 */
export class CentroidIndex {
  private readonly slots: (CentroidDoc | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private readonly slotOf = new Map<number, number>();
  private readonly postings = new Map<string, Posting>();
  private version = 0;
  private acc = new Float64Array(0);
  private seen = new Uint8Array(0);

  /** Number of articles. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Add or replace an article from the term counts of each of its examples. */
  upsert(key: number, examples: readonly ExampleTerms[]): void {
    this.remove(key);
    const centroid = new Map<string, number>();
    for (const ex of examples) {
      let norm = 0;
      for (const tf of ex.values()) norm += sublinear(tf) ** 2;
      if (norm === 0) continue;
      norm = Math.sqrt(norm);
      for (const [term, tf] of ex) centroid.set(term, (centroid.get(term) ?? 0) + sublinear(tf) / norm);
    }
    if (centroid.size === 0) return;
    const slot = this.freeSlots.pop() ?? this.slots.length;
    const doc: CentroidDoc = { key, postings: [], terms: [], weights: [], norm: 0, normVersion: -1 };
    for (const [term, w] of centroid) {
      let p = this.postings.get(term);
      if (!p) this.postings.set(term, (p = { slots: [], weights: [] }));
      p.slots.push(slot);
      p.weights.push(w);
      doc.postings.push(p);
      doc.terms.push(term);
      doc.weights.push(w);
    }
    this.slots[slot] = doc;
    this.slotOf.set(key, slot);
    this.version++;
  }

  /** Remove an article; unknown keys are ignored. */
  remove(key: number): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    const doc = this.slots[slot] as CentroidDoc;
    doc.postings.forEach((p, k) => {
      const i = p.slots.indexOf(slot);
      if (i < 0) return;
      // Swap with the last entry, then drop the tail: order does not matter.
      p.slots[i] = p.slots[p.slots.length - 1] as number;
      p.weights[i] = p.weights[p.weights.length - 1] as number;
      p.slots.pop();
      p.weights.pop();
      if (p.slots.length === 0) this.postings.delete(doc.terms[k] as string);
    });
    this.slots[slot] = undefined;
    this.freeSlots.push(slot);
    this.slotOf.delete(key);
    this.version++;
  }

  /** Smoothed IDF over articles; a term no article has gets the maximum. */
  idf(term: string): number {
    return this.idfOf(this.postings.get(term)?.slots.length ?? 0);
  }

  /**
   * Cosine (0..1) between the query and every article sharing a term with it;
   * calls `emit(key, cosine)` once per such article. Query terms unknown to
   * the KB count in the query's norm, so they lower every cosine.
   */
  score(query: readonly WeightedTerm[], emit: (key: number, cosine: number) => void): void {
    if (this.slotOf.size === 0) return;
    if (this.acc.length < this.slots.length) {
      this.acc = new Float64Array(this.slots.length * 2);
      this.seen = new Uint8Array(this.slots.length * 2);
    }
    const acc = this.acc;
    const seen = this.seen;
    const touched: number[] = [];
    let qNorm = 0;
    for (const { term, weight } of query) {
      const p = this.postings.get(term);
      const idf = this.idfOf(p?.slots.length ?? 0);
      const q = sublinear(weight) * idf;
      qNorm += q * q;
      if (!p) continue;
      const scale = q * idf;
      const { slots, weights } = p;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i] as number;
        if (seen[slot] === 0) {
          seen[slot] = 1;
          touched.push(slot);
        }
        acc[slot] = (acc[slot] as number) + scale * (weights[i] as number);
      }
    }
    qNorm = Math.sqrt(qNorm);
    for (const slot of touched) {
      const doc = this.slots[slot] as CentroidDoc;
      emit(doc.key, (acc[slot] as number) / (qNorm * this.norm(doc)));
      acc[slot] = 0;
      seen[slot] = 0;
    }
  }

  /** IDF-weighted norm of a centroid, recomputed only when the KB has changed since. */
  private norm(doc: CentroidDoc): number {
    if (doc.normVersion !== this.version) {
      let s = 0;
      for (let i = 0; i < doc.weights.length; i++) {
        const x = (doc.weights[i] as number) * this.idfOf((doc.postings[i] as Posting).slots.length);
        s += x * x;
      }
      doc.norm = Math.sqrt(s);
      doc.normVersion = this.version;
    }
    return doc.norm;
  }

  private idfOf(df: number): number {
    const n = this.slotOf.size;
    return Math.log((n + 1) / (df + 1)) + 1;
  }
}
