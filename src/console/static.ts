/**
 * The built console (npm run build:console → dist/console) at /admin: hashed assets cached for
 * a year, every other path answered with index.html (the client routes). Without a build, /admin
 * says how to make one instead of a bare 404.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

export const CONSOLE_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/console');

export function consoleStaticRouter(dist = CONSOLE_DIST): Router {
  const router = Router();
  const index = path.join(dist, 'index.html');
  router.use('/admin/assets', express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  router.use('/admin', express.static(dist, { index: false, maxAge: '1h' }));
  router.get(['/admin', '/admin/{*rest}'], (_req, res) => {
    if (!existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send('The web console is not built. Run `npm run build:console` (npm start and npm test build it first), then reload.\n');
      return;
    }
    // The page itself is never cached: it names the current hashed assets.
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}
