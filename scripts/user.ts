/**
 * Web console users from the shell, e.g. the first admin of a production install:
 *   npm run user -- add EMAIL admin|agent|viewer [--name NAME] [--agent HANDLE]   prints a generated password
 *   npm run user -- passwd EMAIL                                                  prints a new generated password
 *   npm run user -- list
 *   npm run user -- remove EMAIL
 *
 * Uses DATABASE_URL (migrating it first). A changed password or a removal signs the user out.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { generatePassword } from '../src/console/passwords.js';
import { UserStore } from '../src/console/users.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createDb } from '../src/db/prisma.js';

const USAGE = 'usage: npm run user -- add EMAIL admin|agent|viewer [--name NAME] [--agent HANDLE] | passwd EMAIL | list | remove EMAIL';
const ROLES = ['admin', 'agent', 'viewer'] as const;

/** Runs one command; returns the exit code. `print` receives the lines meant for the terminal. */
export async function runUserCommand(argv: string[], env: NodeJS.ProcessEnv = process.env, print: (line: string) => void = console.log): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, agent: { type: 'string' } } });
  const [command, email, role] = positionals;
  const valid =
    (command === 'add' && email && ROLES.includes(role as (typeof ROLES)[number])) || ((command === 'passwd' || command === 'remove') && email) || command === 'list';
  if (!valid) {
    print(USAGE);
    return 2;
  }
  const config = loadConfig(env);
  await migrateDatabase(config.DATABASE_URL);
  const db = createDb(config.DATABASE_URL);
  const users = new UserStore(db);
  try {
    if (command === 'list') {
      for (const u of await users.list()) print(`${u.email}\t${u.role}\t${u.name}${u.agent ? `\t@${u.agent.handle}` : ''}${u.active ? '' : '\t(inactive)'}`);
      return 0;
    }
    const existing = await users.findByEmail(email!);
    if (command === 'remove') {
      if (!existing) return notFound(email!, print);
      await users.remove(existing.id);
      print(`Removed ${existing.email}`);
      return 0;
    }
    const password = generatePassword();
    if (command === 'passwd') {
      if (!existing) return notFound(email!, print);
      await users.update(existing.id, { password });
      await db.userSession.updateMany({ where: { userId: existing.id, revokedAt: null }, data: { revokedAt: new Date() } });
    } else {
      await users.upsert({ email: email!, role: role as (typeof ROLES)[number], password, name: values.name, agent: values.agent });
    }
    print(`${command === 'add' ? 'Added' : 'New password for'} ${email!.toLowerCase()}; password: ${password}`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}

function notFound(email: string, print: (line: string) => void): number {
  print(`No user ${email}`);
  return 1;
}

// Run only when executed (`tsx scripts/user.ts`), not when a test imports runUserCommand.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runUserCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
