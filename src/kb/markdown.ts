/**
 * Knowledge-base articles as Markdown files with YAML front matter, so the
 * KB can live in git and be edited by support staff in any editor.
 *
 * A draft (an article not yet published, e.g. a reply saved from a ticket) is written with
 * `published: false` in its front matter and imported back as a draft; without the key an
 * article is published.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { KbArticle, KbLang } from './article.js';

/** Thrown for a malformed article file; the message starts with the file name. */
export class KbParseError extends Error {
  constructor(
    readonly fileName: string,
    problem: string,
  ) {
    super(`${fileName}: ${problem}`);
    this.name = 'KbParseError';
  }
}

const FRONT_MATTER = /^\uFEFF?---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/;
const SAFE_ID = /^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u;

/** Parse one article file. `fileName` is only used in error messages. */
export function parseArticle(text: string, fileName: string): KbArticle {
  const src = text.replace(/\r\n?/g, '\n');
  const m = FRONT_MATTER.exec(src);
  if (!m) throw new KbParseError(fileName, 'missing YAML front matter (the file must start with a "---" line and the block must end with "---")');
  let meta: unknown;
  try {
    meta = YAML.parse(m[1] ?? '');
  } catch (err) {
    throw new KbParseError(fileName, `invalid YAML front matter: ${(err as Error).message.split('\n')[0]}`);
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw new KbParseError(fileName, 'front matter must be a YAML mapping (key: value lines)');
  }
  const fm = meta as Record<string, unknown>;
  const id = requireText(fm, 'id', fileName);
  if (!SAFE_ID.test(id)) throw new KbParseError(fileName, `id "${id}" may only contain letters, digits, ".", "_" and "-"`);
  const lang = fm['lang'];
  if (lang !== 'ru' && lang !== 'en') throw new KbParseError(fileName, `lang must be "ru" or "en", got ${JSON.stringify(lang ?? null)}`);
  const category = fm['category'];
  if (category !== undefined && category !== null && typeof category !== 'string') {
    throw new KbParseError(fileName, 'category must be a string');
  }
  const published = fm['published'];
  if (published !== undefined && published !== null && typeof published !== 'boolean') {
    throw new KbParseError(fileName, 'published must be true or false');
  }
  return {
    id,
    title: requireText(fm, 'title', fileName),
    lang: lang as KbLang,
    category: category ?? null,
    tags: textList(fm, 'tags', fileName),
    questions: textList(fm, 'questions', fileName),
    body: src.slice(m[0].length).trim(),
    ...(published === false ? { published: false } : {}),
  };
}

function requireText(fm: Record<string, unknown>, key: string, fileName: string): string {
  const v = fm[key];
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v.trim() === '') throw new KbParseError(fileName, `"${key}" is required and must be a non-empty string`);
  return v.trim();
}

/** A list of short strings; numbers are accepted because YAML reads "- 404" as a number. */
function textList(fm: Record<string, unknown>, key: string, fileName: string): string[] {
  const v = fm[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new KbParseError(fileName, `"${key}" must be a list`);
  return v.map((item, i) => {
    if (typeof item === 'string' || typeof item === 'number') return String(item).trim();
    throw new KbParseError(fileName, `"${key}" item ${i + 1} must be a string`);
  });
}

/** Serialize an article; parseArticle(articleToMarkdown(a)) returns an equal article. */
export function articleToMarkdown(article: KbArticle): string {
  const doc = new YAML.Document({
    id: article.id,
    title: article.title,
    lang: article.lang,
    category: article.category ?? null,
    tags: article.tags,
    questions: article.questions,
    // Only drafts say so: published articles' files stay as they always were.
    ...(article.published === false ? { published: false } : {}),
  });
  // Tags are short; the inline form reads better in a diff.
  const tags = doc.get('tags', true);
  if (YAML.isSeq(tags)) tags.flow = true;
  return `---\n${doc.toString({ lineWidth: 0 })}---\n\n${article.body.trim()}\n`;
}

/**
 * Read every `*.md` file under `dir` (recursively, sorted by path; README.md
 * files are documentation, not articles). Duplicate ids are an error.
 */
export async function readKbDir(dir: string): Promise<KbArticle[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.md') && e.name.toLowerCase() !== 'readme.md')
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  const seen = new Map<string, string>();
  const out: KbArticle[] = [];
  for (const file of files) {
    const article = parseArticle(await readFile(file, 'utf8'), file);
    const prev = seen.get(article.id);
    if (prev) throw new KbParseError(file, `duplicate id "${article.id}" (also in ${prev})`);
    seen.set(article.id, file);
    out.push(article);
  }
  return out;
}

/** Write one `<id>.md` file per article into `dir` (created if missing). */
export async function writeKbDir(dir: string, articles: readonly KbArticle[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const a of articles) {
    if (!SAFE_ID.test(a.id)) throw new Error(`cannot write article with unsafe id "${a.id}"`);
    await writeFile(path.join(dir, `${a.id}.md`), articleToMarkdown(a), 'utf8');
  }
}
