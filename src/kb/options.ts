/**
 * Tuning knobs of the matcher, kept few and general. Defaults were picked on
 * the BANKING77 dev split (see bench/kb/README.md) and kept round on purpose.
 */
import type { AnalyzerOptions } from './analyzer.js';

/** All matcher knobs. */
export interface MatcherOptions extends AnalyzerOptions {
  /** BM25 term-frequency saturation. */
  k1: number;
  /** BM25 length normalization for every field. */
  b: number;
  /** Field weights of the article-level (centroid) document. */
  titleWeight: number;
  questionsWeight: number;
  bodyWeight: number;
  /**
   * Shares of the blended score: nearest example question, character n-grams
   * of the questions, cosine to the questions' centroid. The rest (1 − the
   * three) goes to the article-level BM25F score. A share of 0 also skips
   * building that view.
   */
  exampleShare: number;
  gramShare: number;
  centroidShare: number;
  /** How much query words unknown to the KB lower the normalized score (0 = ignored). */
  unknownWeight: number;
}

/** Defaults used by KbIndex when no options are passed. */
export const DEFAULT_MATCHER_OPTIONS: MatcherOptions = {
  k1: 1.2,
  b: 0.75,
  titleWeight: 2,
  questionsWeight: 1,
  bodyWeight: 0.3,
  exampleShare: 0,
  gramShare: 1 / 3,
  centroidShare: 1 / 3,
  unknownWeight: 0.5,
  bigramWeight: 0.5,
  typoWeight: 0.8,
  dropStopwords: true,
  useSynonyms: true,
  charWeight: 0.15,
};
