/**
 * The desk configuration file (DESK_CONFIG, YAML). Validated at start: an error names the
 * line and the problem.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';

const localized = z.object({ ru: z.string().min(1), en: z.string().min(1) });

const schema = z.object({
  categories: z
    .array(z.object({ path: z.string().regex(/^[\w-]+(\/[\w-]+)*$/, 'a path like "support/hardware"'), title: localized }))
    .default([]),
});

export type DeskConfig = z.infer<typeof schema>;
export type Lang = 'ru' | 'en';

export class DeskConfigError extends Error {
  override name = 'DeskConfigError';
}

/** Parses and validates the YAML text; `source` names the file in errors. */
export function parseDeskConfig(text: string, source: string): DeskConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = yamlError.linePos?.[0];
    throw new DeskConfigError(`${source}${at ? `:${at.line}` : ''}: ${yamlError.message.split('\n')[0]}`);
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const node = nodeAt(doc.contents, issue.path);
  const line = node?.range ? `:${lines.linePos(node.range[0]).line}` : '';
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new DeskConfigError(`${source}${line}: ${where}${issue.message}`);
}

export async function loadDeskConfig(file: string): Promise<DeskConfig> {
  return parseDeskConfig(await readFile(file, 'utf8'), file);
}

/** The deepest YAML node along a validation path, so the error can name its line. */
function nodeAt(root: Node | null, path: PropertyKey[]): Node | null {
  let node: Node | null = root;
  for (const key of path) {
    if (isMap(node)) {
      const next: unknown = node.get(key, true);
      if (!next || typeof next !== 'object') return node;
      node = next as Node;
    } else if (isSeq(node) && typeof key === 'number') {
      const next: unknown = node.get(key, true);
      if (!next || typeof next !== 'object') return node;
      node = next as Node;
    } else return node;
  }
  return node;
}

/** The categories as the widget offers them, in one language. */
export function topicsFor(config: DeskConfig, lang: Lang): Array<{ id: string; label: string }> {
  return config.categories.map((c) => ({ id: c.path, label: c.title[lang] }));
}
