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

/** A query term with its importance (1 for plain words, less for bigrams or guesses). */
export interface WeightedTerm {
  term: string;
  weight: number;
}

/** The terms of one field: a list (each occurrence counts 1) or term → count. */
export type FieldTerms = readonly string[] | ReadonlyMap<string, number>;

interface DocEntry {
  id: string;
  /** Reported instead of the id when scoring, e.g. the article an example belongs to. */
  group: string;
  terms: string[];
  lengths: number[];
}

/**
 * Documents containing one term, packed in parallel arrays (faster to scan
 * than a Map). `sat` caches the saturated BM25 term weight of each entry; it
 * depends on average field lengths, so it is recomputed lazily when the
 * corpus has changed since (`version`).
 */
interface Posting {
  slots: number[];
  /** raw term frequency per field, `fields.length` numbers per entry */
  raw: number[];
  sat: number[];
  version: number;
}

/** One BM25F corpus. Field order is fixed by the `fields` array. */
export class Bm25Corpus {
  // Documents live in numbered slots so scoring can accumulate into a flat
  // array instead of a Map keyed by string; freed slots are reused.
  private readonly slots: (DocEntry | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly postings = new Map<string, Posting>();
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
   * `fields`). `group` is what score() reports for it (defaults to the id).
   */
  upsert(id: string, fieldTerms: readonly FieldTerms[], group: string = id): void {
    this.remove(id);
    const nf = this.nf;
    const slot = this.freeSlots.pop() ?? this.slots.length;
    const rows = new Map<string, number[]>();
    const lengths: number[] = [];
    for (let f = 0; f < nf; f++) {
      const terms = fieldTerms[f] ?? [];
      let length = 0;
      const add = (term: string, count: number): void => {
        let row = rows.get(term);
        if (!row) rows.set(term, (row = new Array<number>(nf).fill(0)));
        row[f] = (row[f] ?? 0) + count;
        length += count;
      };
      if (Array.isArray(terms)) for (const term of terms as readonly string[]) add(term, 1);
      else for (const [term, count] of terms as ReadonlyMap<string, number>) add(term, count);
      lengths.push(length);
      this.totalLength[f] = (this.totalLength[f] ?? 0) + length;
    }
    for (const [term, row] of rows) {
      let p = this.postings.get(term);
      if (!p) this.postings.set(term, (p = { slots: [], raw: [], sat: [], version: -1 }));
      p.slots.push(slot);
      for (let f = 0; f < nf; f++) p.raw.push(row[f] as number);
      p.version = -1;
    }
    this.slots[slot] = { id, group, terms: [...rows.keys()], lengths };
    this.slotOf.set(id, slot);
    this.version++;
  }

  /** Remove a document; unknown ids are ignored. */
  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const nf = this.nf;
    const doc = this.slots[slot] as DocEntry;
    for (const term of doc.terms) {
      const p = this.postings.get(term);
      if (!p) continue;
      const i = p.slots.indexOf(slot);
      if (i < 0) continue;
      // Swap with the last entry, then drop the tail: order does not matter.
      const last = p.slots.length - 1;
      p.slots[i] = p.slots[last] as number;
      for (let f = 0; f < nf; f++) p.raw[i * nf + f] = p.raw[last * nf + f] as number;
      p.slots.pop();
      p.raw.length = last * nf;
      p.version = -1;
      if (p.slots.length === 0) this.postings.delete(term);
    }
    doc.lengths.forEach((l, f) => (this.totalLength[f] = (this.totalLength[f] ?? 0) - l));
    this.slots[slot] = undefined;
    this.freeSlots.push(slot);
    this.slotOf.delete(id);
    this.version++;
  }

  /** Number of documents containing `term`. */
  df(term: string): number {
    return this.postings.get(term)?.slots.length ?? 0;
  }

  /** Robertson–Spärck Jones IDF, always positive. Unknown terms get the maximum. */
  idf(term: string): number {
    const n = this.slotOf.size;
    const df = this.df(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /**
   * Score every document that shares a term with the query; calls
   * `emit(group, score)` once per document.
   */
  score(query: readonly WeightedTerm[], emit: (group: string, score: number) => void): void {
    const n = this.slotOf.size;
    if (n === 0) return;
    if (this.acc.length < this.slots.length) {
      this.acc = new Float64Array(this.slots.length * 2);
      this.seen = new Uint8Array(this.slots.length * 2);
    }
    const acc = this.acc;
    const seen = this.seen;
    const touched: number[] = [];
    for (const { term, weight } of query) {
      const p = this.postings.get(term);
      if (!p) continue;
      if (p.version !== this.version) this.refresh(p);
      const scale = weight * this.idf(term);
      const { slots, sat } = p;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i] as number;
        if (seen[slot] === 0) {
          seen[slot] = 1;
          touched.push(slot);
        }
        acc[slot] = (acc[slot] as number) + scale * (sat[i] as number);
      }
    }
    for (const slot of touched) {
      emit((this.slots[slot] as DocEntry).group, acc[slot] as number);
      acc[slot] = 0;
      seen[slot] = 0;
    }
  }

  /** Recompute the saturated BM25F weights of one posting for the current average lengths. */
  private refresh(p: Posting): void {
    const nf = this.nf;
    const n = Math.max(this.slotOf.size, 1);
    const k1 = this.k1;
    p.sat.length = p.slots.length;
    for (let i = 0; i < p.slots.length; i++) {
      const lengths = (this.slots[p.slots[i] as number] as DocEntry).lengths;
      let tf = 0;
      for (let f = 0; f < nf; f++) {
        const raw = p.raw[i * nf + f] as number;
        if (raw === 0) continue;
        const spec = this.fields[f] as FieldSpec;
        const avg = Math.max((this.totalLength[f] as number) / n, 1e-9);
        tf += (spec.weight * raw) / (1 - spec.b + (spec.b * (lengths[f] as number)) / avg);
      }
      p.sat[i] = (tf * (k1 + 1)) / (tf + k1);
    }
    p.version = this.version;
  }

  /**
   * Score the query would get against a document made of exactly its own
   * terms at average length, in the highest-weighted field: the ceiling used
   * to turn scores into 0..1. `unknownWeight` is how much terms absent from
   * the corpus count (they make a query less answerable, but may be typos).
   */
  selfScore(query: readonly WeightedTerm[], unknownWeight: number): number {
    const tf = Math.max(...this.fields.map((f) => f.weight));
    const sat = (tf * (this.k1 + 1)) / (tf + this.k1);
    let s = 0;
    for (const { term, weight } of query) {
      s += weight * this.idf(term) * sat * (this.df(term) > 0 ? 1 : unknownWeight);
    }
    return s;
  }
}
