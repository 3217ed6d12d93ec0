/** Maps every error to a JSON answer; nothing a client sends can crash the process. */
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../core/errors.js';
import type { Logger } from '../logger.js';

/** An error with an HTTP status, thrown by route handlers. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Turns a zod failure into a 400 that names the first offending field. */
export function fromZod(error: z.ZodError): HttpError {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || undefined;
  return new HttpError(400, 'invalid_request', field ? `${field}: ${issue?.message}` : (issue?.message ?? 'invalid request'), field);
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const e = toHttpError(err);
    if (e.status >= 500) log.error({ err, method: req.method, path: req.path }, 'request failed');
    else log.warn({ method: req.method, path: req.path, status: e.status, error: e.message }, 'request rejected');
    if (res.headersSent) return;
    res.status(e.status).json({ error: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) });
  };
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof z.ZodError) return fromZod(err);
  if (err instanceof ValidationError) {
    // Like a zod 400, the message names the field ("assignee: unknown agent "x"").
    const message = err.field && !err.message.includes(err.field) ? `${err.field}: ${err.message}` : err.message;
    return new HttpError(400, 'invalid_request', message, err.field);
  }
  if (err instanceof NotFoundError) return new HttpError(404, 'not_found', err.message);
  if (err instanceof ForbiddenError) return new HttpError(403, 'forbidden', err.message);
  if (err instanceof ConflictError) return new HttpError(409, 'conflict', err.message);
  // Errors of body-parser and the router (http-errors): a 4xx is the client's, say so.
  const { status, type, expose, message } = err as { status?: number; type?: string; expose?: boolean; message?: string };
  if (status === 413) return new HttpError(413, 'payload_too_large', 'request body is larger than 1 MB');
  if (type === 'entity.parse.failed') return new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, status === 415 ? 'unsupported_media_type' : 'bad_request', expose && message ? message : 'bad request');
  }
  return new HttpError(500, 'internal', 'internal error');
}
