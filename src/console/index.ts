/**
 * The web console's server side: users, sessions, the guard every /api/v1 route goes through,
 * sign-in routes, users' CRUD, bull-board and the built front-end at /admin.
 */
import express from 'express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Db } from '../db/prisma.js';
import { authRouter } from '../http/authRoutes.js';
import { usersRouter } from '../http/usersRoutes.js';
import type { Logger } from '../logger.js';
import { ConsoleAuth } from './auth.js';
import { ensureFirstAdmin } from './firstAdmin.js';
import { LoginLimiter } from './loginLimiter.js';
import { queuesRouter } from './queues.js';
import { SessionStore } from './sessions.js';
import { consoleStaticRouter } from './static.js';
import { UserStore } from './users.js';

export interface ConsoleDeps {
  config: Config;
  db: Db;
  redis: Redis;
  adminToken: string;
  appSecret: string;
  log: Logger;
}

export function createConsole(deps: ConsoleDeps) {
  const { config, db, log } = deps;
  const users = new UserStore(db);
  const sessions = new SessionStore(db, deps.appSecret, config.SESSION_TTL_HOURS * 3_600_000);
  const auth = new ConsoleAuth(deps.adminToken, sessions, new URL(config.PUBLIC_URL));
  const limiter = new LoginLimiter(deps.redis, config.REDIS_PREFIX, config.LOGIN_MAX_ATTEMPTS);
  return {
    users,
    auth,
    /** Creates or updates the first admin (see ./firstAdmin.ts). */
    ensureFirstAdmin: () => ensureFirstAdmin(users, config, log),
    /** Sign-in, before the guard (mounted at /api/v1). */
    authRouter: authRouter({ auth, users, limiter, log }),
    /** Users' CRUD, behind the guard (admin-only by the policy). */
    usersRouter: usersRouter({ users, auth }),
    /** bull-board and the front-end; the queues are BullMQ's own. */
    pagesRouter(queues: Queue[]): express.Router {
      const router = express.Router();
      router.use(queuesRouter(auth, queues));
      router.use(consoleStaticRouter());
      return router;
    },
  };
}
