/**
 * Console sessions, kept in PostgreSQL so every instance sees them and an admin can revoke them.
 * The browser holds a random token in an HttpOnly cookie; the table holds only its SHA-256, so a
 * database dump signs nobody in. The CSRF token is an HMAC of the session token: bound to the
 * session, never stored, and readable only by our own script (it gets it from /auth/me).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/prisma.js';
import type { Role } from './roles.js';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  agent: { id: string; handle: string; name: string } | null;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** How often a session's lastSeenAt is written (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly secret: string,
    private readonly ttlMs: number,
  ) {}

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  /** Starts a session; the token goes into the cookie and nowhere else. */
  async create(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const expiresAt = new Date(now + this.ttlMs);
    await this.db.userSession.create({ data: { id: hashToken(token), userId, expiresAt } });
    // The user's ended sessions are of no further use: forget them as new ones start.
    const ended = new Date(now - 86_400_000);
    await this.db.userSession.deleteMany({ where: { userId, OR: [{ expiresAt: { lt: ended } }, { revokedAt: { lt: ended } }] } });
    return { token, expiresAt };
  }

  /** The signed-in user of a live session (not expired, not revoked, user still active), or null. */
  async resolve(token: string): Promise<SessionUser | null> {
    const session = await this.db.userSession.findUnique({
      where: { id: hashToken(token) },
      include: { user: { include: { agent: { select: { id: true, handle: true, name: true } } } } },
    });
    const now = Date.now();
    if (!session || session.revokedAt || session.expiresAt.getTime() <= now || !session.user.active) return null;
    if (now - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.db.userSession.update({ where: { id: session.id }, data: { lastSeenAt: new Date(now) } }).catch(() => undefined);
    }
    const { user } = session;
    return { id: user.id, email: user.email, name: user.name, role: user.role, agent: user.agent };
  }

  async revoke(token: string): Promise<void> {
    await this.db.userSession.updateMany({ where: { id: hashToken(token), revokedAt: null }, data: { revokedAt: new Date() } });
  }

  /** Signs a user out everywhere (password changed, role changed, user deactivated). */
  async revokeAll(userId: string, keepToken?: string): Promise<void> {
    const keep = keepToken ? { id: { not: hashToken(keepToken) } } : {};
    await this.db.userSession.updateMany({ where: { userId, revokedAt: null, ...keep }, data: { revokedAt: new Date() } });
  }

  csrfToken(sessionToken: string): string {
    return createHmac('sha256', this.secret).update(`csrf:${sessionToken}`).digest('base64url');
  }

  csrfMatches(sessionToken: string, given: string): boolean {
    const expected = Buffer.from(this.csrfToken(sessionToken));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
