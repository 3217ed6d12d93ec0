/**
 * The console's pieces that need no browser: the demo's first admin (password in DATA_DIR, only
 * the file's path logged), cookies over https, password hashing, and /admin without a build.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConsoleAuth } from '../../src/console/auth.js';
import { DEMO_ADMIN_EMAIL, ensureFirstAdmin } from '../../src/console/firstAdmin.js';
import { hashPassword, verifyPassword } from '../../src/console/passwords.js';
import { requiredRole } from '../../src/console/roles.js';
import { SessionStore } from '../../src/console/sessions.js';
import { consoleStaticRouter } from '../../src/console/static.js';
import { UserStore } from '../../src/console/users.js';
import { createDb, type Db } from '../../src/db/prisma.js';
import { createLogger } from '../../src/logger.js';
import { cloneDatabase, dropDatabase } from '../support/db.js';

let databaseUrl: string;
let db: Db;
let dataDir: string;

beforeAll(async () => {
  databaseUrl = await cloneDatabase(inject('templateDb'), inject('runId'));
  db = createDb(databaseUrl);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnidesk-console-'));
});

afterAll(async () => {
  await db?.$disconnect();
  if (databaseUrl) await dropDatabase(databaseUrl);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('first admin', () => {
  it('the demo (development, nothing set) gets an admin whose password is in DATA_DIR, and the log names only the file', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: databaseUrl, DATA_DIR: dataDir });
    const users = new UserStore(db);
    await ensureFirstAdmin(users, config, createLogger('info', {}, sink));
    const file = path.join(dataDir, 'admin-password');
    const password = (await readFile(file, 'utf8')).trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
    const admin = await users.findByEmail(DEMO_ADMIN_EMAIL);
    expect(admin?.role).toBe('admin');
    expect(await verifyPassword(password, admin!.passwordHash)).toBe(true);
    const log = lines.join('');
    expect(log).toContain(file);
    expect(log).not.toContain(password);
    // A second start changes nothing: the same admin, the same password.
    await ensureFirstAdmin(users, config, createLogger('silent'));
    expect(await users.count()).toBe(1);
    expect(await verifyPassword(password, (await users.findByEmail(DEMO_ADMIN_EMAIL))!.passwordHash)).toBe(true);
  });

  it('production with no users creates nobody', async () => {
    await db.user.deleteMany();
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: databaseUrl, DATA_DIR: dataDir, ADMIN_TOKEN: 'x', APP_SECRET: 'y' });
    await ensureFirstAdmin(new UserStore(db), config, createLogger('silent'));
    expect(await db.user.count()).toBe(0);
  });

  it('refuses a too-short ADMIN_PASSWORD at start', () => {
    expect(() => loadConfig({ ADMIN_EMAIL: 'a@example.com', ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD/);
  });
});

describe('passwords and cookies', () => {
  it('hashes with a salt per password and verifies only the right one', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same passworD', a)).toBe(false);
    expect(await verifyPassword('same password', 'garbage')).toBe(false);
  });

  it('marks the cookie Secure (and __Host-) when PUBLIC_URL is https', () => {
    const sessions = new SessionStore(db, 'secret', 3_600_000);
    const cookie = new ConsoleAuth('token', sessions, new URL('https://desk.example.com')).sessionCookie('abc', 3600);
    expect(cookie).toBe('__Host-od_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure');
  });

  it('a route nobody listed is admin-only', () => {
    expect(requiredRole('GET', '/reports/summary')).toBe('viewer');
    expect(requiredRole('POST', '/tickets/12/kb-article')).toBe('agent');
    expect(requiredRole('GET', '/kb/articles')).toBe('agent');
    expect(requiredRole('GET', '/live')).toBe('agent');
    expect(requiredRole('PUT', '/kb/articles/x')).toBe('admin');
    expect(requiredRole('POST', '/agents')).toBe('admin');
    expect(requiredRole('GET', '/something-new')).toBe('admin');
  });
});

describe('/admin without a build', () => {
  it('says how to build the console instead of failing obscurely', async () => {
    const app = express().use(consoleStaticRouter(path.join(dataDir, 'no-build-here')));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/admin/inbox`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:console');
    } finally {
      server.close();
    }
  });
});
