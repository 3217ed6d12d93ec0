/**
 * Secrets the demo needs before anyone configured them. In production they must be set
 * (config validation refuses to start without them); elsewhere a random value is generated
 * once into DATA_DIR, readable only by its owner, and reused on the next start. The value is
 * never logged: the log names the file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function secretOrGenerated(value: string | undefined, dataDir: string, name: string): Promise<{ value: string; file?: string }> {
  if (value) return { value };
  const file = path.resolve(dataDir, name);
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim()) return { value: existing.trim(), file };
  await mkdir(path.dirname(file), { recursive: true });
  const generated = randomBytes(24).toString('base64url');
  try {
    await writeFile(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    return { value: generated, file };
  } catch {
    // Another instance wrote it first: use theirs.
    return { value: (await readFile(file, 'utf8')).trim(), file };
  }
}
