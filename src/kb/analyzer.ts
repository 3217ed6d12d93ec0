/**
 * Turns text into the weighted terms the index stores and searches:
 * stems after synonym folding and stop-word removal, plus word bigrams.
 */
import type { WeightedTerm } from './bm25.js';
import { normalize, stem, tokenize } from './normalize.js';
import { isStopword } from './stopwords.js';
import { applySynonyms } from './synonyms.js';
import type { TypoVocabulary } from './fuzzy.js';

/** Knobs of term extraction. */
export interface AnalyzerOptions {
  /** Weight of an adjacent-word bigram relative to a single word; 0 disables bigrams. */
  bigramWeight: number;
  /** Weight of a word recovered by typo correction. */
  typoWeight: number;
  /** Drop stop words (otherwise IDF alone discounts them). */
  dropStopwords: boolean;
  /** Fold synonyms to canonical terms. */
  useSynonyms: boolean;
  /** Weight of each character 3-/4-gram of a word (morphology, typos); 0 disables. */
  charWeight: number;
}

/** Terms of one text: unigrams (in order) and bigrams, with weights. */
export interface Analysis {
  /** Normalized surface words that are not stop words (feeds the typo vocabulary). */
  words: string[];
  unigrams: WeightedTerm[];
  bigrams: WeightedTerm[];
  /** Character n-grams of the words, prefixed with "#". */
  grams: WeightedTerm[];
}

/**
 * Analyze `text`. When `vocab` is given (query side), words whose stem is
 * unknown to `knownStem` are replaced by a known word one edit away.
 */
export function analyzeText(
  text: string,
  opts: AnalyzerOptions,
  vocab?: TypoVocabulary,
  knownStem?: (s: string) => boolean,
): Analysis {
  const tokens = tokenize(normalize(text));
  const weights = tokens.map(() => 1);
  if (vocab && knownStem) {
    tokens.forEach((tok, i) => {
      if (isStopword(tok) || knownStem(stem(tok))) return;
      const fixed = vocab.correct(tok);
      if (fixed !== undefined) {
        tokens[i] = fixed;
        weights[i] = opts.typoWeight;
      }
    });
  }
  const stems = tokens.map(stem);
  const { terms, from, span } = opts.useSynonyms
    ? applySynonyms(stems)
    : { terms: stems, from: stems.map((_, i) => i), span: stems.map(() => 1) };
  const unigrams: WeightedTerm[] = [];
  const words: string[] = [];
  terms.forEach((term, k) => {
    const i = from[k] as number;
    const tok = tokens[i] as string;
    // A matched multi-word phrase is meaningful even if it starts with a stop word.
    if (opts.dropStopwords && (span[k] as number) === 1 && isStopword(tok)) return;
    unigrams.push({ term, weight: weights[i] as number });
    words.push(tok);
  });
  const bigrams: WeightedTerm[] = [];
  if (opts.bigramWeight > 0) {
    for (let k = 1; k < unigrams.length; k++) {
      const a = unigrams[k - 1] as WeightedTerm;
      const b = unigrams[k] as WeightedTerm;
      bigrams.push({ term: `${a.term} ${b.term}`, weight: opts.bigramWeight * Math.min(a.weight, b.weight) });
    }
  }
  const grams: WeightedTerm[] = [];
  if (opts.charWeight > 0) {
    words.forEach((w, k) => {
      const weight = opts.charWeight * (unigrams[k] as WeightedTerm).weight;
      for (const g of charGrams(w)) grams.push({ term: g, weight });
    });
  }
  return { words, unigrams, bigrams, grams };
}

/** Character 3- and 4-grams of a word with boundary marks: "card" → "#<ca", "#car", … */
export function charGrams(word: string): string[] {
  const s = `<${word}>`;
  const out: string[] = [];
  for (let n = 3; n <= 4; n++) for (let i = 0; i + n <= s.length; i++) out.push(`#${s.slice(i, i + n)}`);
  return out;
}

/** Merge duplicate terms, summing weights, so a repeated word counts once per occurrence. */
export function mergeTerms(terms: readonly WeightedTerm[]): WeightedTerm[] {
  const acc = new Map<string, number>();
  for (const t of terms) acc.set(t.term, (acc.get(t.term) ?? 0) + t.weight);
  return [...acc].map(([term, weight]) => ({ term, weight }));
}
