/**
 * Builds the console's front-end (console/ → dist/console) when the build is missing or older
 * than its sources, so `npm start` and `npm test` work on a fresh clone without a slow rebuild
 * every time. `npm run build:console` always builds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_DIST } from './static.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sources = path.join(root, 'console');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/** True if dist/console/index.html exists and is newer than every file under console/. */
export function consoleBuildIsFresh(): boolean {
  const index = path.join(CONSOLE_DIST, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= newest(sources);
}

export function buildConsole(): void {
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', path.join(sources, 'vite.config.ts')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`building the console failed (exit ${result.status}): run \`npm run build:console\` to see why`);
}

export function ensureConsoleBuilt(): void {
  if (!consoleBuildIsFresh()) buildConsole();
}
