/**
 * The knowledge base as Markdown files, for teams that keep it in git:
 *   npm run kb -- import DIR [--prune]   upsert every article of DIR by id (--prune: delete the others)
 *   npm run kb -- export DIR             write one DIR/<id>.md per article
 *
 * Uses DATABASE_URL (migrating it first) and, when Redis is reachable, announces the changed
 * articles on REDIS_URL/REDIS_PREFIX so running gateways re-index them without a restart.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createDb } from '../src/db/prisma.js';
import { exportKbDir, importKbDir } from '../src/kb/kb-files.js';
import { KbService } from '../src/kb/kb-service.js';
import { KbChangeFeed } from '../src/kb/kb-sync.js';
import { kbChannel } from '../src/kb/setup.js';
import { createLogger } from '../src/logger.js';
import { createRedis, probeRedis } from '../src/redis.js';

const USAGE = 'usage: npm run kb -- import DIR [--prune] | npm run kb -- export DIR';

/** Runs one command; returns the exit code. `print` receives the lines meant for the terminal. */
export async function runKbCommand(argv: string[], env: NodeJS.ProcessEnv = process.env, print: (line: string) => void = console.log): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { prune: { type: 'boolean', default: false } } });
  const [command, dir] = positionals;
  if ((command !== 'import' && command !== 'export') || !dir || positionals.length > 2) {
    print(USAGE);
    return 2;
  }
  const config = loadConfig(env);
  const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  await migrateDatabase(config.DATABASE_URL);
  const db = createDb(config.DATABASE_URL);
  const redisUp = command === 'import' && (await probeRedis(config.REDIS_URL).then(() => true, () => false));
  const redis = redisUp ? createRedis(config.REDIS_URL) : null;
  redis?.on('error', () => undefined);
  try {
    const feed = redis ? new KbChangeFeed(redis, null, kbChannel(config.REDIS_PREFIX), log) : null;
    const kb = new KbService(db, feed, log);
    if (command === 'export') {
      const count = await exportKbDir(kb, dir);
      print(`Exported ${count} articles to ${dir}`);
      return 0;
    }
    const s = await importKbDir(kb, dir, { prune: values.prune });
    print(`Imported ${dir}: ${s.created.length} created, ${s.updated.length} updated, ${s.unchanged} unchanged, ${s.deleted.length} deleted`);
    if (!redis && s.created.length + s.updated.length + s.deleted.length > 0) {
      print('Redis is not reachable: running gateways pick the changes up at their next periodic re-sync (5 minutes) or restart.');
    }
    return 0;
  } finally {
    redis?.disconnect();
    await db.$disconnect();
  }
}

// Run only when executed (`tsx scripts/kb.ts`), not when a test imports runKbCommand.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runKbCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
