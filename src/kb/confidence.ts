/**
 * Confidence: the probability that the top-ranked article is the right one.
 *
 * A logistic model over a few features of the ranking, each on a scale that
 * means the same in any knowledge base:
 *  - `top`: the share of the query the top article explains (its views'
 *    scores capped at 1 and blended, see Blend.explained);
 *  - `margin`: how far ahead of the runner-up it is, on the same scale (two
 *    near-equal articles mean either could be meant);
 *  - `agreement`: the share of the ranking's views (word BM25F, character
 *    n-grams, centroid cosine) that pick the same article on their own;
 *  - `words`: how many content words the query has (capped): a long query
 *    that still matches well is stronger evidence than a two-word one.
 * Nothing depends on the KB's size or on how many articles matched. (A
 * feature comparing the top with the 5th candidate fitted slightly better on
 * the 67-article English set, but made small KBs overconfident, where the
 * 5th candidate is always unrelated: left out.)
 *
 * Coefficients are fitted (maximum likelihood) on the English BANKING77 dev
 * split with bench/kb/calibrate.ts and checked, unchanged, on other sets:
 * the same data with all 77 articles, the KB cut into small KBs, and the
 * Russian and English leave-one-out sets (bench/kb/README.md).
 */

/** Features of one ranking (see the module comment). */
export interface RankingFeatures {
  /** Capped blended scores (Blend.explained) of the best candidates, best first. */
  scores: readonly number[];
  /** Share (0..1) of the views that rank the top article first on their own. */
  agreement: number;
  /** Content words (stems after stop words) in the query. */
  words: number;
}

/** Logistic coefficients: confidence = σ(bias + Σ coefficient · feature). */
export interface ConfidenceModel {
  bias: number;
  top: number;
  margin: number;
  agreement: number;
  words: number;
}

/** Fitted by bench/kb/calibrate.ts on the English dev split (see bench/kb/README.md). */
export const CONFIDENCE_MODEL: ConfidenceModel = {
  bias: -6.48,
  top: 5.91,
  margin: 8.32,
  agreement: 1.44,
  words: 0.26,
};

/** Query words beyond this add no confidence (few dev questions are longer, so the fit says little there). */
export const MAX_WORDS = 10;

/**
 * How runner-ups share the probability the top article is wrong: a softmax
 * of the scores of the first RUNNER_UPS at this temperature, next to an
 * implicit "none of these" candidate at NULL_CANDIDATE_SCORE. It only
 * orders suggestions; the bot's decision reads the top candidate's
 * confidence alone.
 */
export const RUNNER_UP_TEMPERATURE = 0.1;
export const NULL_CANDIDATE_SCORE = 0.2;
export const RUNNER_UPS = 4;
/** Candidates the confidences need from the ranking: the top one and the runner-ups. */
export const CONFIDENCE_CANDIDATES = 1 + RUNNER_UPS;

/** The model's features, named like the ConfidenceModel coefficients. */
export function featureVector(f: RankingFeatures): Omit<ConfidenceModel, 'bias'> {
  const s = (i: number): number => f.scores[i] ?? 0;
  return { top: s(0), margin: s(0) - s(1), agreement: f.agreement, words: Math.min(f.words, MAX_WORDS) };
}

/** Probability (0..1) that the top-ranked article is the right answer; 0 without candidates. */
export function topConfidence(f: RankingFeatures, model: ConfidenceModel = CONFIDENCE_MODEL): number {
  if (f.scores.length === 0) return 0;
  const x = featureVector(f);
  const z = model.bias + model.top * x.top + model.margin * x.margin + model.agreement * x.agreement + model.words * x.words;
  return 1 / (1 + Math.exp(-z));
}

/**
 * Confidence of each of the first `count` candidates (default: all scores),
 * best first. The top one gets topConfidence(); the runner-ups share what is
 * left in proportion to a softmax of their scores against each other (the
 * first RUNNER_UPS) and "none of these", and never exceed the candidate
 * ranked above them: confidences are in 0..1, ordered like the ranking, and
 * the same whatever `count` is.
 */
export function confidences(f: RankingFeatures, count: number = f.scores.length, model: ConfidenceModel = CONFIDENCE_MODEL): number[] {
  const n = Math.min(count, f.scores.length);
  if (n === 0) return [];
  const top = topConfidence(f, model);
  const out = [top];
  const s0 = f.scores[0] as number;
  const share = (s: number): number => Math.exp((s - s0) / RUNNER_UP_TEMPERATURE);
  // Runner-ups compete with each other and with "none of these" for 1 - top.
  let z = share(NULL_CANDIDATE_SCORE);
  for (let i = 1; i < f.scores.length && i <= RUNNER_UPS; i++) z += share(f.scores[i] as number);
  for (let i = 1; i < n; i++) {
    const c = ((1 - top) * share(f.scores[i] as number)) / z;
    out.push(Math.min(c, out[i - 1] as number));
  }
  return out;
}
