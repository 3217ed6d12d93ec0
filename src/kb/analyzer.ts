/**
 * Turns text into the weighted terms the index stores and searches:
 * stems after synonym folding and stop-word removal, plus word bigrams.
 */
import type { Term, WeightedTerm } from './bm25.js';
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
  /** Character n-grams of the words, hashed (see charGrams). */
  grams: WeightedTerm<number>[];
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
  const grams: WeightedTerm<number>[] = [];
  if (opts.charWeight > 0) {
    words.forEach((w, k) => {
      const weight = opts.charWeight * (unigrams[k] as WeightedTerm).weight;
      for (const g of charGrams(w)) grams.push({ term: g, weight });
    });
  }
  return { words, unigrams, bigrams, grams };
}

/**
 * Character 3- and 4-grams of a word with boundary marks ("card" → "<ca",
 * "car", "ard", "rd>", "<car", …), hashed like phraseGrams() (numbers never
 * collide with the word terms, which are strings).
 */
export function charGrams(word: string): number[] {
  const out: number[] = [];
  hashGrams(`<${word}>`, 3, 4, (key) => out.push(key));
  return out;
}

/**
 * Calls `emit` with a 30-bit FNV-1a hash of every `min`- to `max`-character
 * substring of `s`. Numbers instead of substrings: an index holds millions of
 * n-gram occurrences, and allocating a string for each made up most of its
 * build time. 30 bits keep the keys small integers in V8; among ~10^5
 * distinct n-grams a handful of pairs collide, which merges their counts and
 * shifts scores negligibly.
 */
function hashGrams(s: string, min: number, max: number, emit: (key: number) => void): void {
  for (let i = 0; i + min <= s.length; i++) {
    let h = 0x811c9dc5;
    for (let n = 1; n <= max && i + n <= s.length; n++) {
      h = Math.imul(h ^ s.charCodeAt(i + n - 1), 0x01000193);
      if (n >= min) emit(h >>> 2);
    }
  }
}

/**
 * Shortest and longest character n-gram of phraseGrams(). Adding 5-grams
 * ranked no better on the benchmark (better in English, worse in Russian)
 * and made the index a fifth slower to build.
 */
const PHRASE_GRAM_MIN = 3;
const PHRASE_GRAM_MAX = 4;

/**
 * Character 3- and 4-grams of the whole normalized text, across word
 * boundaries (" my card " → " my", "my ", "y c", …), with counts. Stop words
 * and word order stay in, unlike in the word terms: the grams see "top up"
 * vs "up to", inflections without a stemmer ("карту"/"карты") and typos,
 * which is why they rank well alongside the stems.
 *
 * N-grams are hashed (hashGrams). Counts are added to `into` when given (one
 * map for all of an article's questions).
 */
export function phraseGrams(text: string, into: Map<number, number> = new Map()): Map<number, number> {
  const s = ` ${tokenize(normalize(text)).join(' ')} `;
  if (s.length > 2) hashGrams(s, PHRASE_GRAM_MIN, PHRASE_GRAM_MAX, (key) => into.set(key, (into.get(key) ?? 0) + 1));
  return into;
}

/** Merge duplicate terms, summing weights, so a repeated word counts once per occurrence. */
export function mergeTerms<K extends Term>(terms: readonly WeightedTerm<K>[]): WeightedTerm<K>[] {
  const acc = new Map<K, number>();
  for (const t of terms) acc.set(t.term, (acc.get(t.term) ?? 0) + t.weight);
  return [...acc].map(([term, weight]) => ({ term, weight }));
}
