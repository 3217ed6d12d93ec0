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
