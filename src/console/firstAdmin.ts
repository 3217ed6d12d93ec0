/**
 * How the first admin comes to exist. ADMIN_EMAIL + ADMIN_PASSWORD create (or update) that admin
 * at every start. With neither and no user at all, the demo (development) gets admin@omnidesk.local
 * with a password generated into DATA_DIR, like the generated admin token: the log names the file,
 * never the password. In production, an empty console is told how to add someone.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { secretOrGenerated } from '../secrets.js';
import type { UserStore } from './users.js';

export const DEMO_ADMIN_EMAIL = 'admin@omnidesk.local';

export async function ensureFirstAdmin(users: UserStore, config: Config, log: Logger): Promise<void> {
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    await users.upsert({ email: config.ADMIN_EMAIL, role: 'admin', password: config.ADMIN_PASSWORD });
    return;
  }
  if (config.ADMIN_EMAIL || config.ADMIN_PASSWORD) log.warn('ADMIN_EMAIL and ADMIN_PASSWORD go together: the console admin was not set up');
  if ((await users.count()) > 0) return;
  if (config.NODE_ENV !== 'development') {
    log.warn('the web console has no users: set ADMIN_EMAIL and ADMIN_PASSWORD, or run `npm run user -- add <email> admin`');
    return;
  }
  const password = await secretOrGenerated(undefined, config.DATA_DIR, 'admin-password');
  await users.upsert({ email: DEMO_ADMIN_EMAIL, name: 'Admin', role: 'admin', password: password.value });
  log.warn({ email: DEMO_ADMIN_EMAIL, file: password.file }, 'web console: sign in at /admin as this demo admin with the password in this file');
}
