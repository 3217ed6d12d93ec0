/**
 * Blending the views of one query into a ranking. Each view (article-level
 * BM25F, nearest example, character n-grams, centroid cosine) reports a
 * score per article; the article's score is their weighted mean.
 *
 * Why flat arrays: a query touches most articles through common n-grams, so
 * keeping scores in a Map of objects per article cost more than scoring
 * itself. Articles are numbered densely by their LanguageIndex (keys), the
 * buffers are reused across queries, and only the few best articles become
 * objects.
 */

/** The views, in the order of MatcherOptions shares and ArticleScore fields. */
export const VIEWS = ['article', 'example', 'grams', 'centroid'] as const;
export type View = (typeof VIEWS)[number];
/** Column of each view in ViewScores (its index in VIEWS). */
export const ARTICLE_VIEW = 0;
export const EXAMPLE_VIEW = 1;
export const GRAMS_VIEW = 2;
export const CENTROID_VIEW = 3;

/** Per-article scores of one query, each normalized to roughly 0..1. */
export interface ArticleScore {
  id: string;
  /** Weighted mean of the views below (MatcherOptions shares). */
  score: number;
  /** Whole-article BM25F, normalized by the query's self-score. */
  article: number;
  /** Best single example question, normalized by the query's self-score. */
  example: number;
  /** Character n-gram BM25 of the questions, normalized by the query's self-score. */
  grams: number;
  /** TF-IDF cosine to the centroid of the article's example questions. */
  centroid: number;
}

/** The blended ranking of one query. */
export interface Blend {
  /** The best articles, best first (ties: smaller id first). */
  ranked: ArticleScore[];
  /**
   * For each of `ranked`, the blend of its views capped at 1 each: the share
   * of the query it explains. Normalized BM25 exceeds 1 for articles shorter
   * than average, which ranks well but overstates the evidence, e.g. when
   * two short articles both contain a one-word query; the confidence model
   * reads these instead.
   */
  explained: number[];
  /** Share (0..1) of the enabled views whose own best article is the blended top one. */
  agreement: number;
}

/** Reusable per-query score buffers, one column per view, indexed by article key. */
export class ViewScores {
  private columns: Float64Array[] = VIEWS.map(() => new Float64Array(0));
  private seen = new Uint8Array(0);
  private touched: number[] = [];

  /** Start a query: keys will be below `capacity`. */
  start(capacity: number): void {
    this.clear();
    if (this.seen.length < capacity) {
      const n = Math.max(capacity, 2 * this.seen.length, 64);
      this.columns = VIEWS.map(() => new Float64Array(n));
      this.seen = new Uint8Array(n);
    }
  }

  /** Record a view's score for an article. */
  set(view: number, key: number, score: number): void {
    this.touch(key);
    (this.columns[view] as Float64Array)[key] = score;
  }

  /** Record a view's score for an article unless it already has a higher one. */
  max(view: number, key: number, score: number): void {
    this.touch(key);
    const col = this.columns[view] as Float64Array;
    if (score > (col[key] as number)) col[key] = score;
  }

  /**
   * Blend with `shares` (one per view), keep the `k` best, and clear the
   * buffers for the next query. `idOf` names an article key.
   */
  rank(shares: readonly number[], k: number, idOf: (key: number) => string): Blend {
    // Candidates share some word with the query (or part of one, through the
    // article view's in-word n-grams): common character n-grams alone (" a ",
    // "ing") touch nearly every article and never make one relevant.
    const article = this.columns[ARTICLE_VIEW] as Float64Array;
    const example = this.columns[EXAMPLE_VIEW] as Float64Array;
    const centroid = this.columns[CENTROID_VIEW] as Float64Array;
    const keys = this.touched.filter((key) => article[key] !== 0 || example[key] !== 0 || centroid[key] !== 0);
    const blended = new Float64Array(keys.length);
    const best = VIEWS.map(() => 0);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as number;
      let s = 0;
      for (let v = 0; v < VIEWS.length; v++) {
        const x = (this.columns[v] as Float64Array)[key] as number;
        s += (shares[v] as number) * x;
        if (x > (best[v] as number)) best[v] = x;
      }
      blended[i] = s;
    }
    // Order of positions in `keys`: score descending, then id ascending.
    const before = (i: number, j: number): boolean => {
      const d = (blended[i] as number) - (blended[j] as number);
      return d > 0 || (d === 0 && idOf(keys[i] as number) < idOf(keys[j] as number));
    };
    const top =
      k >= keys.length
        ? keys.map((_, i) => i).sort((i, j) => (before(i, j) ? -1 : before(j, i) ? 1 : 0))
        : selectTop(keys.length, k, before);
    const ranked = top.map((i) => this.view(keys[i] as number, blended[i] as number, idOf));
    let enabled = 0;
    let agree = 0;
    const first = ranked[0];
    if (first) {
      VIEWS.forEach((view, v) => {
        if ((shares[v] as number) <= 0) return;
        enabled++;
        if (first[view] >= (best[v] as number)) agree++;
      });
    }
    const explained = ranked.map((r) => VIEWS.reduce((sum, view, v) => sum + (shares[v] as number) * Math.min(r[view], 1), 0));
    this.clear();
    return { ranked, explained, agreement: enabled === 0 ? 0 : agree / enabled };
  }

  private view(key: number, score: number, idOf: (key: number) => string): ArticleScore {
    const at = (v: number): number => (this.columns[v] as Float64Array)[key] as number;
    return { id: idOf(key), score, article: at(ARTICLE_VIEW), example: at(EXAMPLE_VIEW), grams: at(GRAMS_VIEW), centroid: at(CENTROID_VIEW) };
  }

  private touch(key: number): void {
    if (this.seen[key] === 0) {
      this.seen[key] = 1;
      this.touched.push(key);
    }
  }

  private clear(): void {
    for (const key of this.touched) {
      this.seen[key] = 0;
      for (const col of this.columns) col[key] = 0;
    }
    this.touched = [];
  }
}

/**
 * Positions 0..n-1 of the `k` first items in the order `before`, sorted.
 * Keeps a small sorted buffer: most items cost one comparison, instead of
 * sorting all n when only a handful are needed.
 */
export function selectTop(n: number, k: number, before: (i: number, j: number) => boolean): number[] {
  const out: number[] = [];
  if (k <= 0) return out;
  for (let i = 0; i < n; i++) {
    if (out.length === k && !before(i, out[k - 1] as number)) continue;
    let at = Math.min(out.length, k - 1);
    out[at] = i;
    while (at > 0 && before(out[at] as number, out[at - 1] as number)) {
      [out[at], out[at - 1]] = [out[at - 1] as number, out[at] as number];
      at--;
    }
  }
  return out;
}
