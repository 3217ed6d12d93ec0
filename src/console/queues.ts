/**
 * bull-board at /admin/queues: the gateway's BullMQ queues (delivery, timers, automation
 * webhooks), for admins only. Its own UI sends no CSRF token, so its writes (retry, clean …)
 * must come with our own Origin; with SameSite=Strict cookies, that is enough.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import { HttpError } from '../http/errors.js';
import type { ConsoleAuth } from './auth.js';

export const QUEUES_PATH = '/admin/queues';

export function queuesRouter(auth: ConsoleAuth, queues: Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  // @bull-board/express ships its own copy of @bull-board/api (a patch apart): same shape, distinct private fields.
  const board = serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'];
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: board, options: { uiConfig: { boardTitle: 'omnidesk queues' } } });
  const guard: RequestHandler = (req, res, next) => {
    void (async () => {
      const principal = await auth.principal(req);
      if (!principal) {
        // A person who opens the link unsigned goes to the console's sign-in, and comes back.
        if (req.method === 'GET' && req.accepts('html')) return res.redirect(`/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
        throw new HttpError(401, 'unauthorized', 'sign in to the console as an admin');
      }
      if (principal.role !== 'admin') throw new HttpError(403, 'forbidden', 'the queues are for admins');
      if (principal.kind === 'session' && !['GET', 'HEAD'].includes(req.method) && (!req.get('origin') || !auth.sameOrigin(req))) {
        throw new HttpError(403, 'csrf', 'cross-origin request refused');
      }
      next();
    })().catch(next);
  };
  const router = Router();
  router.use(QUEUES_PATH, guard, serverAdapter.getRouter() as RequestHandler);
  return router;
}
