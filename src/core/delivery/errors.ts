/** How a channel adapter tells the delivery worker what went wrong. */

/** Try again later; `retryAfterMs` honours a platform's Retry-After / retry_after. */
export class RetryableDeliveryError extends Error {
  override name = 'RetryableDeliveryError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Retrying cannot help (the chat is gone, the bot was blocked, the channel is not configured). */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}

/**
 * The platform's rate limit (Telegram's 429 with retry_after, VK's error 6, a webhook's 429 with
 * Retry-After): the message waits `retryAfterMs` and is tried again, without spending one of its
 * delivery attempts (up to the worker's cap on such waits). A RetryableDeliveryError, so code
 * that only knows those still retries it.
 */
export class RateLimitedError extends RetryableDeliveryError {
  override name = 'RateLimitedError';
  declare readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super(message, Math.max(0, retryAfterMs));
  }
}

/**
 * The channel cannot put an agent's edit into the message the customer has: it cannot edit at
 * all, the message is too old for the platform, or it went out in a form that cannot be edited
 * (several parts, a file). Final: the agent is told to send a correction instead.
 */
export class EditUnsupportedError extends PermanentDeliveryError {
  override name = 'EditUnsupportedError';
  constructor(
    message: string,
    readonly reason: 'unsupported' | 'too_old' = 'unsupported',
  ) {
    super(message);
  }
}
