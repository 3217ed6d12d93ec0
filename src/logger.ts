/**
 * Structured JSON logs. Secrets and message bodies never go to the info level: the redact
 * list below masks the usual suspects wherever they appear in a logged object. Every line made
 * while handling a request or a message carries its correlation ids (`reqId`, `messageId`: see
 * src/observability/logContext.ts), so one id finds a message's whole way through the gateway.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { logContext } from './observability/logContext.js';

export type { Logger };

/** Keys whose values are secrets or what people wrote: masked at any level. */
const SECRET_KEYS = ['token', 'secret', 'password', 'authorization', 'cookie', 'text', 'body', 'caption'];

/** `destination`: where the lines go (stdout unless given; tests capture them). */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'omnidesk', ...base },
    // The correlation ids of the work in progress, on every line.
    mixin: () => ({ ...logContext() }),
    redact: {
      paths: [
        ...SECRET_KEYS,
        ...SECRET_KEYS.map((key) => `*.${key}`),
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        'headers["x-signature"]',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
