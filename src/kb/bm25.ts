/**
 * Incremental BM25F: documents with several weighted fields, term statistics
 * kept as counters so adding or removing a document never rebuilds anything.
 */

/** Per-field weight and length-normalization strength. */
export interface FieldSpec {
  weight: number;
  /** BM25 `b`: 0 = ignore field length, 1 = full length normalization. */
  b: number;
}

/**
 * A term: a word or n-gram, or a number standing for one (hashed character
 * n-grams, which spare building millions of short strings).
 */
export type Term = string | number;

/** A query term with its importance (1 for plain words, less for bigrams or guesses). */
export interface WeightedTerm<K extends Term = string> {
  term: K;
  weight: number;
}

/** The terms of one field: a list (each occurrence counts 1) or term → count. */
export type FieldTerms<K extends Term = string> = readonly K[] | ReadonlyMap<K, number>;

interface DocEntry<K extends Term, G> {
  id: string;
  /** Reported instead of the id when scoring, e.g. the article an example belongs to. */
  group: G;
  terms: K[];
  lengths: number[];
}

/**
 * Documents containing one term, packed in one flat array (faster to scan
 * than a Map, and one allocation per term: a corpus of character n-grams has
 * hundreds of thousands of terms). `sat` caches the saturated BM25 term
 * weight of each entry; it depends on average field lengths, so it is
 * (re)computed lazily, when a query first uses the term after a change.
 */
interface Posting {
  /** per entry: the document's slot, then its raw term frequency in each field */
  entries: number[];
  sat: number[] | undefined;
  version: number;
}

/**
 * One BM25F corpus. Field order is fixed by the `fields` array. `K` is the
 * term type; `G` what score() reports per document (its id, or a caller's
 * group key such as the article an example question belongs to).
 */
export class Bm25Corpus<K extends Term = string, G = string> {
  // Documents live in numbered slots so scoring can accumulate into a flat
  // array instead of a Map keyed by string; freed slots are reused.
  private readonly slots: (DocEntry<K, G> | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly postings = new Map<K, Posting>();
  private readonly totalLength: number[];
  /** Bumped on every change; cached per-posting weights older than this are stale. */
  private version = 0;
  private acc = new Float64Array(0);
  private seen = new Uint8Array(0);
  private readonly nf: number;

  constructor(
    private readonly fields: readonly FieldSpec[],
    private readonly k1 = 1.2,
  ) {
    this.totalLength = fields.map(() => 0);
    this.nf = fields.length;
  }

  /** Number of documents. */
  get size(): number {
    return this.slotOf.size;
  }

  /**
   * Add or replace a document given the terms of each field (same order as
   * `fields`). `group` is what score() reports for it (defaults to the id,
   * which only makes sense when groups are strings).
   */
  upsert(id: string, fieldTerms: readonly FieldTerms<K>[], group: G = id as G): void {
    this.remove(id);
    const nf = this.nf;
    const slot = this.freeSlots.pop() ?? this.slots.length;
    const only = fieldTerms[0];
    if (nf === 1 && only instanceof Map) {
      this.upsertCounts(id, group, slot, only as ReadonlyMap<K, number>);
      return;
    }
    // Term → row of per-field counts in one flat array: no small array per
    // term, which matters for documents with thousands of character n-grams.
    const rowOf = new Map<K, number>();
    const counts: number[] = [];
    const lengths: number[] = [];
    for (let f = 0; f < nf; f++) {
      const terms = fieldTerms[f] ?? [];
      let length = 0;
      const add = (term: K, count: number): void => {
        let row = rowOf.get(term);
        if (row === undefined) {
          row = rowOf.size;
          rowOf.set(term, row);
          for (let g = 0; g < nf; g++) counts.push(0);
        }
        counts[row * nf + f] = (counts[row * nf + f] as number) + count;
        length += count;
      };
      if (Array.isArray(terms)) for (const term of terms as readonly K[]) add(term, 1);
      else for (const [term, count] of terms as ReadonlyMap<K, number>) add(term, count);
      lengths.push(length);
      this.totalLength[f] = (this.totalLength[f] ?? 0) + length;
    }
    for (const [term, row] of rowOf) {
      let p = this.postings.get(term);
      if (!p) this.postings.set(term, (p = { entries: [], sat: undefined, version: -1 }));
      p.entries.push(slot);
      for (let f = 0; f < nf; f++) p.entries.push(counts[row * nf + f] as number);
      p.version = -1;
    }
    this.slots[slot] = { id, group, terms: [...rowOf.keys()], lengths };
    this.slotOf.set(id, slot);
    this.version++;
  }

  /** upsert() of a one-field document given as term → count: the terms are already distinct. */
  private upsertCounts(id: string, group: G, slot: number, counts: ReadonlyMap<K, number>): void {
    let length = 0;
    for (const [term, count] of counts) {
      let p = this.postings.get(term);
      if (!p) this.postings.set(term, (p = { entries: [], sat: undefined, version: -1 }));
      p.entries.push(slot, count);
      p.version = -1;
      length += count;
    }
    this.totalLength[0] = (this.totalLength[0] ?? 0) + length;
    this.slots[slot] = { id, group, terms: [...counts.keys()], lengths: [length] };
    this.slotOf.set(id, slot);
    this.version++;
  }

  /** Remove a document; unknown ids are ignored. */
  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const stride = this.nf + 1;
    const doc = this.slots[slot] as DocEntry<K, G>;
    for (const term of doc.terms) {
      const p = this.postings.get(term);
      if (!p) continue;
      const e = p.entries;
      let i = 0;
      while (i < e.length && e[i] !== slot) i += stride;
      if (i >= e.length) continue;
      // Move the last entry into its place, then drop the tail: order does not matter.
      const last = e.length - stride;
      for (let k = 0; k < stride; k++) e[i + k] = e[last + k] as number;
      e.length = last;
      p.version = -1;
      if (last === 0) this.postings.delete(term);
    }
    doc.lengths.forEach((l, f) => (this.totalLength[f] = (this.totalLength[f] ?? 0) - l));
    this.slots[slot] = undefined;
    this.freeSlots.push(slot);
    this.slotOf.delete(id);
    this.version++;
  }

  /** Number of documents containing `term`. */
  df(term: K): number {
    const p = this.postings.get(term);
    return p === undefined ? 0 : p.entries.length / (this.nf + 1);
  }

  /** Robertson–Spärck Jones IDF, always positive. Unknown terms get the maximum. */
  idf(term: K): number {
    return this.idfOf(this.df(term));
  }

  private idfOf(df: number): number {
    const n = this.slotOf.size;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /**
   * Score every document that shares a term with the query; calls
   * `emit(group, score)` once per document.
   */
  score(query: readonly WeightedTerm<K>[], emit: (group: G, score: number) => void): void {
    const n = this.slotOf.size;
    if (n === 0) return;
    if (this.acc.length < this.slots.length) {
      this.acc = new Float64Array(this.slots.length * 2);
      this.seen = new Uint8Array(this.slots.length * 2);
    }
    const acc = this.acc;
    const seen = this.seen;
    const touched: number[] = [];
    const stride = this.nf + 1;
    for (const { term, weight } of query) {
      const p = this.postings.get(term);
      if (!p) continue;
      const sat = p.version === this.version && p.sat !== undefined ? p.sat : this.refresh(p);
      const e = p.entries;
      const scale = weight * this.idfOf(e.length / stride);
      for (let i = 0, j = 0; j < e.length; i++, j += stride) {
        const slot = e[j] as number;
        if (seen[slot] === 0) {
          seen[slot] = 1;
          touched.push(slot);
        }
        acc[slot] = (acc[slot] as number) + scale * (sat[i] as number);
      }
    }
    for (const slot of touched) {
      emit((this.slots[slot] as DocEntry<K, G>).group, acc[slot] as number);
      acc[slot] = 0;
      seen[slot] = 0;
    }
  }

  /** Recompute the saturated BM25F weights of one posting for the current average lengths. */
  private refresh(p: Posting): number[] {
    const nf = this.nf;
    const n = Math.max(this.slotOf.size, 1);
    const k1 = this.k1;
    const e = p.entries;
    const sat: number[] = [];
    for (let j = 0; j < e.length; j += nf + 1) {
      const lengths = (this.slots[e[j] as number] as DocEntry<K, G>).lengths;
      let tf = 0;
      for (let f = 0; f < nf; f++) {
        const raw = e[j + 1 + f] as number;
        if (raw === 0) continue;
        const spec = this.fields[f] as FieldSpec;
        const avg = Math.max((this.totalLength[f] as number) / n, 1e-9);
        tf += (spec.weight * raw) / (1 - spec.b + (spec.b * (lengths[f] as number)) / avg);
      }
      sat.push((tf * (k1 + 1)) / (tf + k1));
    }
    p.sat = sat;
    p.version = this.version;
    return sat;
  }

  /**
   * Score the query would get against a document made of exactly its own
   * terms at average length, in the highest-weighted field: the ceiling used
   * to turn scores into 0..1. `unknownWeight` is how much terms absent from
   * the corpus count (they make a query less answerable, but may be typos).
   */
  selfScore(query: readonly WeightedTerm<K>[], unknownWeight: number): number {
    const tf = Math.max(...this.fields.map((f) => f.weight));
    const sat = (tf * (this.k1 + 1)) / (tf + this.k1);
    let s = 0;
    for (const { term, weight } of query) {
      s += weight * this.idf(term) * sat * (this.df(term) > 0 ? 1 : unknownWeight);
    }
    return s;
  }
}
