/**
 * Structured JSON logs. Secrets and message bodies never go to the info level: the redact
 * list below masks the usual suspects wherever they appear in a logged object.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'omnidesk', ...base },
    redact: {
      paths: ['*.token', '*.secret', '*.password', '*.authorization', 'req.headers.authorization', 'headers.authorization', '*.text'],
      censor: '[redacted]',
    },
  });
}
