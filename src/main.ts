/**
 * Starts the gateway: `npm start`. With no settings at all it runs the demo (the sample KB,
 * the sample desk configuration and the widget's demo shop on http://localhost:3000).
 *
 * Where a message goes: see `createGateway` in ./app.ts, which wires every part together.
 */
import { createGateway, DependencyError } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { DeskConfigError } from './core/deskConfig.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const gateway = await createGateway(config, log);
  const port = await gateway.start();
  log.info({ port, url: config.PUBLIC_URL }, `omnidesk is running: open ${config.PUBLIC_URL}`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
}

main().catch((err: unknown) => {
  // One clear line for what people hit most: a bad setting or desk configuration (naming the line), or a database/Redis that is not running.
  if (err instanceof ConfigError || err instanceof DependencyError || err instanceof DeskConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
