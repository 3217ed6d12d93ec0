/**
 * What a failed Bot API call means for delivery. Telegram answers `{ ok: false, error_code,
 * description, parameters }`; grammy throws that as a `GrammyError`, and a call that never got
 * an answer (refused, reset, timed out) as an `HttpError`.
 *
 * - 429: too many requests; wait `retry_after` seconds and try again (RateLimitedError: the
 *   wait spends none of the message's delivery attempts).
 * - 5xx, network errors, timeouts: the platform is down or slow; try again later.
 * - 401/404: the token is wrong (or revoked); nothing per message, so retry while it gets fixed.
 * - 403 (blocked by the user, kicked from the group) and other 4xx (chat not found …): retrying
 *   cannot help.
 */
import { GrammyError, HttpError } from 'grammy';
import { PermanentDeliveryError, RateLimitedError, RetryableDeliveryError } from '../../core/delivery/errors.js';

/** How long a 429 without retry_after makes a message wait. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;

/** How long to wait after a 401/404: a wrong token is fixed by a person, not in milliseconds. */
const BAD_TOKEN_RETRY_MS = 60_000;

export function toDeliveryError(err: unknown): Error {
  if (err instanceof RetryableDeliveryError || err instanceof PermanentDeliveryError) return err;
  if (err instanceof GrammyError) {
    const what = `telegram ${err.method}: ${err.error_code} ${err.description}`;
    if (err.error_code === 429) {
      // A wait, not a failure: the delivery worker spends no attempt on it.
      const seconds = err.parameters.retry_after;
      return new RateLimitedError(what, typeof seconds === 'number' ? seconds * 1000 : DEFAULT_RATE_LIMIT_WAIT_MS);
    }
    // A proxy's or an emulator's error page without Telegram's error_code: the platform is not well.
    if (typeof err.error_code !== 'number' || err.error_code >= 500) return new RetryableDeliveryError(what);
    if (err.error_code === 401 || err.error_code === 404) return new RetryableDeliveryError(what, BAD_TOKEN_RETRY_MS);
    return new PermanentDeliveryError(what);
  }
  if (err instanceof HttpError) return new RetryableDeliveryError(`telegram unreachable: ${describe(err)}`);
  return new RetryableDeliveryError(`telegram: ${err instanceof Error ? err.message : String(err)}`);
}

/** A short, token-free description of any error, for logs and status. */
export function describe(err: unknown): string {
  if (err instanceof GrammyError) return `${err.method}: ${err.error_code} ${err.description}`;
  if (err instanceof HttpError) {
    const cause = err.error instanceof Error ? err.error.message : String(err.error);
    return `${err.message} (${redactToken(cause)})`;
  }
  return redactToken(err instanceof Error ? err.message : String(err));
}

/** Bot tokens appear in API URLs (`/bot<token>/method`); keep them out of logs and error messages. */
export function redactToken(text: string): string {
  return text.replace(/\/bot[^/\s]+\//g, '/bot<token>/').replace(/\d{5,}:[\w-]{20,}/g, '<token>');
}

/** The `retry_after` of a 429, in ms. */
export function retryAfterOf(err: unknown): number | undefined {
  if (err instanceof GrammyError && err.error_code === 429 && typeof err.parameters.retry_after === 'number') return err.parameters.retry_after * 1000;
  return undefined;
}
