/**
 * What a failed VK call means for delivery. VK reports errors as `{error: {error_code}}` (or,
 * for `messages.send` with `peer_ids`, per peer); transport trouble has no code at all.
 *
 * - wait (RateLimitedError, no delivery attempt spent): 6 (too many requests per second) and
 *   29 (method's rate limit reached);
 * - retry: 1 (unknown error), 6 (too many requests per second), 9 (flood control),
 *   10 (internal server error), 29 (method's rate limit reached), and every network error,
 *   timeout or unreadable answer: VK is busy or away, the message waits in the queue;
 * - retry, and the channel reports an error: 5, 27, 28 (the token is rejected). Fixing the
 *   token lets the waiting replies through instead of failing them all;
 * - give up: anything else, e.g. 901 (the user has not allowed the community to write),
 *   902 (privacy settings), 7 (no permission), 100 (bad parameter).
 */
import { APIError } from 'vk-io';
import { PermanentDeliveryError, RateLimitedError, RetryableDeliveryError } from '../../core/delivery/errors.js';

const RETRYABLE = new Set([1, 6, 9, 10, 29]);
/** Too many requests per second (6), the method's rate limit reached (29). */
const RATE_LIMITED = new Set([6, 29]);
export const AUTH_ERRORS = new Set([5, 27, 28]);

/** How long VK wants us to wait, when it says. */
const RETRY_AFTER_MS: Record<number, number> = { 6: 1000, 29: 60_000 };

/** An error VK returned for one peer of `messages.send`. */
export class VkPeerError extends Error {
  override name = 'VkPeerError';
  constructor(
    readonly code: number,
    description: string,
  ) {
    super(`Code №${code} - ${description}`);
  }
}

/** The VK error code, or undefined for transport errors. */
export function vkErrorCode(err: unknown): number | undefined {
  if (err instanceof APIError || err instanceof VkPeerError) return typeof err.code === 'number' ? err.code : Number(err.code);
  return undefined;
}

export function isAuthError(err: unknown): boolean {
  const code = vkErrorCode(err);
  return code !== undefined && AUTH_ERRORS.has(code);
}

export function toDeliveryError(err: unknown): RetryableDeliveryError | PermanentDeliveryError {
  if (err instanceof RetryableDeliveryError || err instanceof PermanentDeliveryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = vkErrorCode(err);
  if (code === undefined) return new RetryableDeliveryError(`VK API unreachable: ${message}`);
  // VK's rate limits: a wait, not a failure (the delivery worker spends no attempt on it).
  if (RATE_LIMITED.has(code)) return new RateLimitedError(`VK API error ${message}`, RETRY_AFTER_MS[code] ?? 1000);
  if (RETRYABLE.has(code) || AUTH_ERRORS.has(code)) return new RetryableDeliveryError(`VK API error ${message}`, RETRY_AFTER_MS[code]);
  return new PermanentDeliveryError(`VK API error ${message}`);
}
