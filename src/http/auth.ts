/** Bearer-token authentication of the agent REST API. */
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.js';

export function requireBearer(token: string): RequestHandler {
  const expected = Buffer.from(token);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    // The scheme is case-insensitive (RFC 9110 §11.1): "bearer xyz" is as good as "Bearer xyz".
    const match = /^bearer\s+(.*)$/i.exec(header);
    const given = Buffer.from(match?.[1]?.trim() ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      next(new HttpError(401, 'unauthorized', 'missing or invalid bearer token'));
      return;
    }
    next();
  };
}
