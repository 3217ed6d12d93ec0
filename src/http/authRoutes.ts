/**
 * Console sign-in: POST /auth/login (email + password → session cookie), POST /auth/logout,
 * GET /auth/me (who am I, and the CSRF token our script sends with every change).
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { ConsoleAuth } from '../console/auth.js';
import type { LoginLimiter } from '../console/loginLimiter.js';
import { DUMMY_HASH, verifyPassword } from '../console/passwords.js';
import type { UserStore } from '../console/users.js';
import type { Logger } from '../logger.js';
import { HttpError } from './errors.js';
import { apiGroup } from './apiRoutes.js';

const loginBody = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1000) });

export function authRouter(deps: { auth: ConsoleAuth; users: UserStore; limiter: LoginLimiter; log: Logger }): Router {
  const { auth, users, limiter, log } = deps;
  const router = Router();

  // JSON only: a cross-site HTML form cannot send application/json without a CORS preflight.
  router.post('/auth/login', express.json({ limit: '16kb' }), async (req, res) => {
    if (!req.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'send the credentials as application/json');
    if (!auth.sameOrigin(req)) throw new HttpError(403, 'csrf', 'cross-origin request refused');
    const { email, password } = loginBody.parse(req.body);
    const ip = req.ip ?? 'unknown';
    const wait = await limiter.retryAfter(email, ip);
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      throw new HttpError(429, 'too_many_attempts', `too many failed sign-ins: try again in ${wait} s`);
    }
    const user = await users.findByEmail(email);
    // Unknown emails cost a hash too, so timing does not tell which emails exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || !user.active) {
      await limiter.failed(email, ip);
      log.info({ ip }, 'console sign-in failed');
      throw new HttpError(401, 'invalid_credentials', 'wrong email or password');
    }
    await limiter.succeeded(email, ip);
    if (!user.agentId) await users.linkByEmail(user.id, user.email);
    const session = await auth.sessions.create(user.id);
    res.set('Set-Cookie', auth.sessionCookie(session.token, auth.sessions.ttlSeconds));
    res.set('Cache-Control', 'no-store');
    const me = await auth.sessions.resolve(session.token);
    log.info({ userId: user.id, role: user.role }, 'console sign-in');
    res.json({ user: me, csrfToken: auth.sessions.csrfToken(session.token), expiresAt: session.expiresAt.toISOString() });
  });

  router.post('/auth/logout', async (req, res) => {
    const principal = await auth.principal(req);
    if (principal?.kind === 'session') {
      auth.checkCsrf(req, principal);
      await auth.sessions.revoke(principal.token);
    }
    res.set('Set-Cookie', auth.clearCookie());
    res.status(204).end();
  });

  router.get('/auth/me', async (req, res) => {
    const principal = await auth.principal(req);
    if (!principal) throw new HttpError(401, 'unauthorized', 'not signed in');
    res.set('Cache-Control', 'no-store');
    if (principal.kind === 'token') {
      res.json({ user: { id: null, email: null, name: 'API token', role: 'admin', agent: null }, csrfToken: null });
      return;
    }
    res.json({ user: principal.user, csrfToken: auth.sessions.csrfToken(principal.token) });
  });

  return router;
}

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const authApi = apiGroup('console sign-in', '/api/v1', [
  {
    method: 'post', path: '/auth/login', summary: 'Sign in to the console: sets the session cookie, answers `{user, csrfToken, expiresAt}`',
    description: 'Same-origin JSON only; failed attempts are rate-limited (429 with Retry-After).', body: loginBody, auth: 'none',
  },
  { method: 'post', path: '/auth/logout', summary: 'Sign out: ends the session and clears the cookie', auth: 'none', success: { status: 204, description: 'signed out' } },
  { method: 'get', path: '/auth/me', summary: 'Who is signed in, and the CSRF token to send (X-CSRF-Token) with every change' },
]);
