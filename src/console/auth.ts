/**
 * Who is calling: the REST API's bearer token (ADMIN_TOKEN, acting as an admin) or a console
 * session cookie. Guards here authenticate, refuse cross-site writes, and enforce roles.
 *
 * CSRF: a state-changing request authenticated by the cookie must carry X-CSRF-Token, an HMAC
 * of the session token that only our own script can read (from /auth/me or the login answer);
 * a foreign Origin is refused outright. The cookie is SameSite=Strict besides. Bearer-token
 * calls carry no cookie, so none of this applies to them.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { HttpError } from '../http/errors.js';
import { requiredRole, roleAllows, type Role } from './roles.js';
import type { SessionStore, SessionUser } from './sessions.js';

export type Principal = { kind: 'token'; role: 'admin' } | { kind: 'session'; role: Role; user: SessionUser; token: string };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/** Parses a Cookie header (no dependency for three lines). */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export class ConsoleAuth {
  /** `__Host-` binds the cookie to this exact origin; browsers accept it only when Secure. */
  readonly cookieName: string;

  constructor(
    private readonly adminToken: string,
    readonly sessions: SessionStore,
    /** PUBLIC_URL: https there means Secure cookies; its origin is always a trusted Origin. */
    private readonly publicUrl: URL,
  ) {
    this.cookieName = this.secure ? '__Host-od_session' : 'od_session';
  }

  get secure(): boolean {
    return this.publicUrl.protocol === 'https:';
  }

  sessionCookie(token: string, maxAgeSeconds: number): string {
    return [`${this.cookieName}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`, ...(this.secure ? ['Secure'] : [])].join('; ');
  }

  clearCookie(): string {
    return this.sessionCookie('', 0);
  }

  private bearerMatches(req: Request): boolean | undefined {
    const header = req.get('authorization');
    if (!header) return undefined;
    // The scheme is case-insensitive (RFC 9110 §11.1): "bearer xyz" is as good as "Bearer xyz".
    const given = Buffer.from(/^bearer\s+(.*)$/i.exec(header)?.[1]?.trim() ?? '');
    const expected = Buffer.from(this.adminToken);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The caller, or null. A wrong bearer token is null even with a valid cookie beside it. */
  async principal(req: Request): Promise<Principal | null> {
    const bearer = this.bearerMatches(req);
    if (bearer !== undefined) return bearer ? { kind: 'token', role: 'admin' } : null;
    const token = readCookie(req, this.cookieName);
    if (!token) return null;
    const user = await this.sessions.resolve(token);
    return user ? { kind: 'session', role: user.role, user, token } : null;
  }

  /** True if the request's Origin (when the browser sent one) is this app's own. */
  sameOrigin(req: Request): boolean {
    const origin = req.get('origin');
    if (!origin) return true;
    if (origin === this.publicUrl.origin) return true;
    try {
      return new URL(origin).host === req.get('host');
    } catch {
      return false;
    }
  }

  /** Refuses a cookie-authenticated write that lacks the session's CSRF token or comes from elsewhere. */
  checkCsrf(req: Request, principal: Principal): void {
    if (principal.kind !== 'session' || SAFE_METHODS.has(req.method)) return;
    if (!this.sameOrigin(req)) throw new HttpError(403, 'csrf', 'cross-origin request refused');
    const given = req.get(CSRF_HEADER);
    if (!given || !this.sessions.csrfMatches(principal.token, given)) throw new HttpError(403, 'csrf', `missing or invalid ${CSRF_HEADER.toUpperCase()} header`);
  }

  private async authorize(req: Request, res: Response, needed: Role): Promise<void> {
    const principal = await this.principal(req);
    if (!principal) throw new HttpError(401, 'unauthorized', 'sign in, or send a valid bearer token');
    this.checkCsrf(req, principal);
    if (!roleAllows(principal.role, needed)) throw new HttpError(403, 'forbidden', `this needs the ${needed} role (you are ${principal.role})`);
    res.locals.principal = principal;
  }

  /** The /api/v1 guard: the role each route needs comes from ./roles.ts. */
  readonly api: RequestHandler = (req, res, next) => {
    // Mounted at /api/v1 or at the root: the policy speaks of paths below /api/v1.
    const path = req.originalUrl.split('?')[0]!.replace(/^\/api\/v1(?=\/|$)/, '') || '/';
    this.authorize(req, res, requiredRole(req.method, path)).then(() => next(), next);
  };

  /** A guard for one role, for routes outside the policy table (the WhatsApp QR, bull-board). */
  require(role: Role): RequestHandler {
    return (req, res, next) => {
      this.authorize(req, res, role).then(() => next(), next);
    };
  }
}

/** The caller of a request that passed a guard. */
export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/**
 * The agent a change is attributed to: a signed-in agent is always themselves (the body cannot
 * speak for someone else); a bearer-token call (or a user with no agent) names one, or none.
 */
export function actingAgent(res: Response, given: string | undefined): string | undefined {
  const principal = principalOf(res);
  if (principal?.kind === 'session' && principal.user.agent) return principal.user.agent.handle;
  return given;
}
