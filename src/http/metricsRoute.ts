/**
 * `GET /metrics`: the Prometheus text exposition (src/observability/metrics.ts). It tells how
 * busy the desk is, so it is not public: the scraper sends `Authorization: Bearer` with
 * METRICS_TOKEN (a token that opens nothing else) or the ADMIN_TOKEN.
 */
import type { RequestHandler } from 'express';
import type { GatewayMetrics } from '../observability/metrics.js';
import { requireBearer } from './auth.js';

/** Lets a request through with any of the tokens. */
function requireAnyBearer(tokens: string[]): RequestHandler {
  const guards = tokens.map((token) => requireBearer(token));
  return (req, res, next) => {
    let i = 0;
    const tryNext = (err?: unknown): void => {
      if (!err) next();
      else if (++i < guards.length) guards[i]!(req, res, tryNext);
      else next(err);
    };
    guards[0]!(req, res, tryNext);
  };
}

export function metricsHandlers(metrics: GatewayMetrics, tokens: { admin: string; metrics?: string | undefined }): RequestHandler[] {
  return [
    requireAnyBearer([tokens.admin, ...(tokens.metrics ? [tokens.metrics] : [])]),
    async (_req, res) => {
      const { contentType, body } = await metrics.render();
      res.set('cache-control', 'no-store').type(contentType).send(body);
    },
  ];
}
