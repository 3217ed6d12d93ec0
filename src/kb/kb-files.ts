/**
 * The knowledge base as a folder of Markdown files (see markdown.ts), so teams can keep it in
 * git: import a folder into PostgreSQL, or export PostgreSQL back to a folder.
 */
import type { KbImportSummary, KbService } from './kb-service.js';
import { readKbDir, writeKbDir } from './markdown.js';

/**
 * Upserts every article of `dir` by id (only changed ones are written). With `prune`, articles
 * that are not in the folder are deleted, so PostgreSQL ends up holding exactly the folder.
 */
export async function importKbDir(kb: KbService, dir: string, options: { prune?: boolean } = {}): Promise<KbImportSummary> {
  return kb.importArticles(await readKbDir(dir), options);
}

/**
 * Writes one `<id>.md` per article into `dir` (drafts too, marked `published: false`). Files of articles deleted since are left alone:
 * the folder may hold other things, and git shows what to remove.
 */
export async function exportKbDir(kb: KbService, dir: string): Promise<number> {
  const articles = await kb.all();
  await writeKbDir(dir, articles);
  return articles.length;
}
