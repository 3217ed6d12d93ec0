/** The settings documented in README.md and .env.example are exactly the ones config.ts reads. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../src/config.js';

const root = new URL('../', import.meta.url);

describe('configuration docs', () => {
  it('.env.example lists every setting, and nothing else', async () => {
    const text = await readFile(new URL('.env.example', root), 'utf8');
    const keys = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect([...keys].sort()).toEqual([...CONFIG_KEYS].sort());
  });

  it("README's configuration table lists every setting, and nothing else", async () => {
    const text = await readFile(new URL('README.md', root), 'utf8');
    const section = text.slice(text.indexOf('## Configuration'), text.indexOf('\n## ', text.indexOf('## Configuration') + 5));
    const keys = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]);
    expect([...keys].sort()).toEqual([...CONFIG_KEYS].sort());
  });
});
