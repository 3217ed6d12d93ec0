/**
 * Typo tolerance: find a known word within one edit (insert, delete,
 * substitute, or swap of neighbours) of an unknown word.
 *
 * Uses the symmetric-delete trick: every known word is stored under each of
 * its one-letter deletions, so a lookup costs O(word length) hash probes
 * instead of a scan of the vocabulary. Counts make it incremental: removing
 * the last article that used a word forgets the word.
 */
export class TypoVocabulary {
  private readonly counts = new Map<string, number>();
  private readonly deletes = new Map<string, Set<string>>();

  /** Words shorter than this are never corrected: too many false friends. */
  constructor(private readonly minLength = 4) {}

  /** Number of distinct known words. */
  get size(): number {
    return this.counts.size;
  }

  /** True when the word is known. */
  has(word: string): boolean {
    return this.counts.has(word);
  }

  /** Count one more use of `word`. */
  add(word: string): void {
    const n = this.counts.get(word) ?? 0;
    this.counts.set(word, n + 1);
    if (n > 0 || word.length < this.minLength) return;
    for (const d of deletions(word)) {
      let set = this.deletes.get(d);
      if (!set) this.deletes.set(d, (set = new Set()));
      set.add(word);
    }
  }

  /** Forget one use of `word`. */
  remove(word: string): void {
    const n = this.counts.get(word);
    if (n === undefined) return;
    if (n > 1) {
      this.counts.set(word, n - 1);
      return;
    }
    this.counts.delete(word);
    if (word.length < this.minLength) return;
    for (const d of deletions(word)) {
      const set = this.deletes.get(d);
      if (!set) continue;
      set.delete(word);
      if (set.size === 0) this.deletes.delete(d);
    }
  }

  /**
   * The most frequent known word one edit away from `word`, or undefined.
   * Known words and short words are returned as undefined (nothing to fix).
   */
  correct(word: string): string | undefined {
    if (word.length < this.minLength || this.counts.has(word) || /^\p{N}+$/u.test(word)) return undefined;
    const found = new Set<string>();
    // `word` lacks a letter: some known word reduces to it by one deletion.
    for (const w of this.deletes.get(word) ?? []) found.add(w);
    for (const d of deletions(word)) {
      // `word` has an extra letter.
      if (this.counts.has(d)) found.add(d);
      // Substitution or swap: both reduce to the same string.
      for (const w of this.deletes.get(d) ?? []) found.add(w);
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const w of found) {
      if (w.length < this.minLength || !isOneEdit(word, w)) continue;
      const c = this.counts.get(w) ?? 0;
      if (c > bestCount || (c === bestCount && best !== undefined && w < best)) {
        best = w;
        bestCount = c;
      }
    }
    return best;
  }
}

/** All distinct strings obtained by deleting one character. */
function deletions(word: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < word.length; i++) out.add(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/**
 * Exact check that a and b differ by one insert/delete/substitution or one
 * swap of adjacent letters; shared deletions alone can over-match (e.g. two
 * substitutions at neighbouring places).
 */
export function isOneEdit(a: string, b: string): boolean {
  if (a === b) return false;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swap
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
