/**
 * Confidence calibration: a softmax over the best candidates' scores plus a
 * fixed "none of these" candidate.
 *
 * Why this works across knowledge bases: scores are already normalized by
 * the query's self-score (share of the query the article explains), so a
 * fixed temperature means the same on any KB. The softmax turns the gap
 * between the top and the runner-ups into a probability (two near-equal
 * articles → ~0.5 each); the "none" candidate keeps a lone weak match from
 * looking certain. Only the top few compete, so a KB with 1,000 articles is
 * not penalized for having more weak partial matches than one with 50.
 *
 * The temperature is the value minimizing the negative log-likelihood of the
 * right article on the BANKING77 dev split (temperature scaling); it was the
 * same (0.1–0.12) on the Russian leave-one-out set.
 */

/** Softmax temperature over normalized scores. */
export const CONFIDENCE_TEMPERATURE = 0.1;
/** Score of the implicit "no article fits" candidate. */
export const NULL_CANDIDATE_SCORE = 0.2;
/** How many top candidates compete in the softmax. */
export const SOFTMAX_CANDIDATES = 5;

/**
 * Confidence for each score of a ranking sorted best first (same length
 * and order as `scores`). Values are in 0..1 and sum to at most 1.
 * `t` overrides the temperature (used when re-fitting it).
 */
export function confidences(scores: readonly number[], t: number = CONFIDENCE_TEMPERATURE): number[] {
  const top = scores[0];
  if (top === undefined) return [];
  // Shift by the top score so exp() never overflows.
  let z = Math.exp((NULL_CANDIDATE_SCORE - top) / t);
  for (let i = 0; i < scores.length && i < SOFTMAX_CANDIDATES; i++) z += Math.exp(((scores[i] as number) - top) / t);
  return scores.map((s) => Math.exp((s - top) / t) / z);
}
