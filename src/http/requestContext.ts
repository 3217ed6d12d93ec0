/**
 * The first middleware of every request: gives it an id, times it, and logs it.
 *
 * - The id is the caller's `X-Request-Id` when it is a sane token (a proxy's or a client's, so
 *   one id spans systems), else a new UUID; it is echoed in the response's `X-Request-Id`.
 * - Everything the request causes runs in its log context (src/observability/logContext.ts):
 *   the pipeline's, the listeners' and, through the job, the delivery worker's lines carry `reqId`.
 * - Its latency goes to `omnidesk_http_request_duration_seconds` labelled with the route's
 *   pattern (`/api/v1/tickets/:number`), never the raw URL, so the label set stays bounded.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { withLogContext } from '../observability/logContext.js';
import type { GatewayMetrics } from '../observability/metrics.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request's id (`X-Request-Id`), set by `requestContext`. */
      id?: string;
      /** The logger of this request: its lines carry the request id. */
      log?: Logger;
    }
  }
}

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What an incoming id may look like: no spaces, quotes or control characters reach the logs. */
const SANE_ID = /^[\w.:/+=@-]{1,128}$/;

/** Paths probed every few seconds: logged at debug, not info. */
const PROBES = new Set(['/healthz', '/metrics']);

/** The route pattern that answered (bounded), or `unmatched` (404s, requests refused before a route). */
export function routeLabel(req: Request): string {
  const pattern: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern !== 'string') return 'unmatched';
  return `${req.baseUrl}${pattern}` || '/';
}

export function requestContext(log: Logger, metrics?: GatewayMetrics): RequestHandler {
  return (req, res, next) => {
    const given = req.get(REQUEST_ID_HEADER);
    const id = given && SANE_ID.test(given) ? given : randomUUID();
    req.id = id;
    req.log = log;
    res.set(REQUEST_ID_HEADER, id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeLabel(req);
      metrics?.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      // `reqId` comes from the log context; the path has no query string (it may hold search text).
      withLogContext({ reqId: id }, () =>
        log[PROBES.has(req.path) ? 'debug' : 'info']({ method: req.method, path: req.path, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 }, 'request'),
      );
    });
    withLogContext({ reqId: id }, () => next());
  };
}
