/**
 * The knowledge base of a running gateway: articles live in PostgreSQL, and every instance keeps
 * an in-memory KbIndex of the published ones for the bot and the widget's suggestions. Drafts
 * (`published: false`, e.g. a reply saved from a ticket) stay out of it until an admin publishes
 * them; publishing or unpublishing is an ordinary change, so it reaches every instance the same way.
 *
 * Every change goes to PostgreSQL first, then re-indexes only the articles it touched (no full
 * rebuild), then is announced on Redis so the other instances reload those same articles.
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { Db } from '../db/prisma.js';
import type { KbArticle as KbArticleRow, Prisma } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { KbArticle, KbCandidate, KbLang } from './article.js';
import { articleContent, articleId, articlePatch, articleQuestion, type ArticleContent, type ArticlePatch } from './article-schema.js';
import { KbIndex, type SearchOptions } from './kb-index.js';
import type { KbChangeFeed } from './kb-sync.js';
import { normalize } from './normalize.js';
import { slugify } from './slug.js';

/** An article as stored, with its timestamps. */
export interface KbArticleRecord extends KbArticle {
  category: string | null;
  published: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface KbListFilter {
  lang?: KbLang;
  category?: string;
  tag?: string;
  /** Free text in the title or the body. */
  q?: string;
  /** Only published articles (true) or only drafts (false); both when absent. */
  published?: boolean;
  limit?: number;
  offset?: number;
}

/** What an import did, by article id. */
export interface KbImportSummary {
  created: string[];
  updated: string[];
  unchanged: number;
  deleted: string[];
}

/** The article id is taken (a create with an id that exists). */
export class KbConflictError extends Error {
  override name = 'KbConflictError';
}

/** Safety net for missed Redis announcements: compare everything this often. */
const DEFAULT_RESYNC_INTERVAL_MS = 5 * 60_000;

export class KbService {
  /** The in-memory search index; read it, change articles only through this service. */
  readonly index = new KbIndex();
  /** updatedAt (ms) of each indexed article, so a re-sync touches only what changed. */
  private readonly versions = new Map<string, number>();
  /** Reloads run one after another, so an older read never overwrites a newer one. */
  private reloads: Promise<unknown> = Promise.resolve();
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly feed: KbChangeFeed | null,
    private readonly log: Logger,
  ) {}

  /** Subscribes to other instances' changes, then loads every article. */
  async start(options: { resyncIntervalMs?: number } = {}): Promise<void> {
    await this.feed?.start({
      changed: (ids) => void this.serialize(() => this.reload(ids)),
      resync: () => void this.serialize(() => this.resync()),
    });
    await this.serialize(() => this.resync());
    const every = options.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS;
    if (this.feed && every > 0) {
      this.resyncTimer = setInterval(() => void this.serialize(() => this.resync()), every);
      this.resyncTimer.unref();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.resyncTimer);
    await this.feed?.close();
    await this.reloads;
  }

  /** Ranked articles for a text (see KbIndex.search). */
  search(text: string, options?: SearchOptions): KbCandidate[] {
    return this.index.search(text, options);
  }

  /** An indexed article, from memory. */
  get(id: string): KbArticle | undefined {
    return this.index.get(id);
  }

  /** Number of indexed articles. */
  get size(): number {
    return this.index.size;
  }

  /** One article from PostgreSQL, or null. */
  async find(id: string): Promise<KbArticleRecord | null> {
    const row = await this.db.kbArticle.findUnique({ where: { id } });
    return row && toRecord(row);
  }

  async list(f: KbListFilter = {}): Promise<{ articles: KbArticleRecord[]; total: number }> {
    const where: Prisma.KbArticleWhereInput = {
      ...(f.lang ? { lang: f.lang } : {}),
      ...(f.category ? { category: f.category } : {}),
      ...(f.tag ? { tags: { has: f.tag } } : {}),
      ...(f.published !== undefined ? { published: f.published } : {}),
      ...(f.q ? { OR: [{ title: { contains: likeLiteral(f.q), mode: 'insensitive' } }, { body: { contains: likeLiteral(f.q), mode: 'insensitive' } }] } : {}),
    };
    const [rows, total] = await Promise.all([
      this.db.kbArticle.findMany({ where, orderBy: { id: 'asc' }, take: f.limit ?? 50, skip: f.offset ?? 0 }),
      this.db.kbArticle.count({ where }),
    ]);
    return { articles: rows.map(toRecord), total };
  }

  /**
   * Creates an article. Without an id, one is made from the title ("delivery-time-ru"), with a
   * counter when taken; a given id that is taken is a KbConflictError. `published: false` makes
   * a draft, which the bot does not use until it is published.
   */
  async create(input: ArticleContent & { id?: string; published?: boolean }): Promise<KbArticleRecord> {
    const content = articleContent.parse(input);
    const given = input.id === undefined ? undefined : articleId.parse(input.id);
    const published = input.published ?? true;
    for (let n = 1; ; n++) {
      const id = given ?? slugify(content.title, content.lang, n);
      try {
        const row = await this.db.kbArticle.create({ data: { id, ...content, published } });
        await this.changed([row], []);
        return toRecord(row);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        if (given || n >= 100) throw new KbConflictError(`article "${id}" already exists`);
      }
    }
  }

  /**
   * Replaces an article's content, or creates it with this id. Without `published`, a draft stays
   * a draft (editing it does not publish it) and a new article is published.
   */
  async put(id: string, input: ArticleContent & { published?: boolean }): Promise<{ article: KbArticleRecord; created: boolean }> {
    articleId.parse(id);
    const content = articleContent.parse(input);
    const published = input.published;
    const existed = (await this.db.kbArticle.count({ where: { id } })) > 0;
    const row = await this.db.kbArticle.upsert({
      where: { id },
      create: { id, ...content, published: published ?? true },
      update: { ...content, ...(published === undefined ? {} : { published }) },
    });
    await this.changed([row], []);
    return { article: toRecord(row), created: !existed };
  }

  /** Changes some fields of an article. */
  async patch(id: string, input: ArticlePatch): Promise<KbArticleRecord> {
    const patch = articlePatch.parse(input);
    const row = await this.db.kbArticle.update({ where: { id }, data: patch }).catch(notFound(id));
    await this.changed([row], []);
    return toRecord(row);
  }

  async remove(id: string): Promise<void> {
    await this.db.kbArticle.delete({ where: { id } }).catch(notFound(id));
    await this.changed([], [id]);
  }

  /**
   * Adds a customer's phrasing to an article's example questions (unless it is there already,
   * up to case and punctuation). Concurrent additions are serialized on the article's row.
   */
  async addQuestion(id: string, question: string): Promise<{ article: KbArticleRecord; added: boolean }> {
    const text = articleQuestion.parse(question);
    const result = await this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "KbArticle" WHERE "id" = ${id} FOR UPDATE`;
      if (!locked.length) throw new NotFoundError(`article "${id}" not found`);
      const row = await tx.kbArticle.findUniqueOrThrow({ where: { id } });
      const key = normalize(text);
      if (row.questions.some((q) => normalize(q) === key)) return { row, added: false };
      if (row.questions.length >= 200) throw new ValidationError('the article has 200 questions already', 'text');
      return { row: await tx.kbArticle.update({ where: { id }, data: { questions: { push: text } } }), added: true };
    });
    if (result.added) await this.changed([result.row], []);
    return { article: toRecord(result.row), added: result.added };
  }

  /**
   * Upserts articles by id in one transaction, writing only those whose content differs.
   * With `prune`, articles not in `articles` are deleted: the set becomes exactly this one.
   */
  async importArticles(articles: readonly KbArticle[], options: { prune?: boolean } = {}): Promise<KbImportSummary> {
    // A file without `published` is a published article (see markdown.ts).
    const incoming = articles.map((a) => ({ id: a.id, content: { ...validImport(a), published: a.published ?? true } }));
    const summary: KbImportSummary = { created: [], updated: [], unchanged: 0, deleted: [] };
    const written = await this.db.$transaction(
      async (tx) => {
        const existing = new Map((await tx.kbArticle.findMany()).map((r) => [r.id, r]));
        const rows: KbArticleRow[] = [];
        for (const { id, content } of incoming) {
          const old = existing.get(id);
          if (old && sameContent(toRecord(old), content)) {
            summary.unchanged++;
            continue;
          }
          rows.push(await tx.kbArticle.upsert({ where: { id }, create: { id, ...content }, update: content }));
          (old ? summary.updated : summary.created).push(id);
        }
        if (options.prune) {
          const keep = new Set(incoming.map((a) => a.id));
          summary.deleted = [...existing.keys()].filter((id) => !keep.has(id)).sort();
          if (summary.deleted.length) await tx.kbArticle.deleteMany({ where: { id: { in: summary.deleted } } });
        }
        return rows;
      },
      { timeout: 60_000 },
    );
    await this.changed(written, summary.deleted);
    return summary;
  }

  /** Every article, sorted by id: for the export. */
  async all(): Promise<KbArticleRecord[]> {
    return (await this.db.kbArticle.findMany({ orderBy: { id: 'asc' } })).map(toRecord);
  }

  /** How many articles PostgreSQL holds. */
  count(): Promise<number> {
    return this.db.kbArticle.count();
  }

  /** Re-indexes what this instance changed (a draft leaves the index), then tells the others. */
  private async changed(rows: KbArticleRow[], deletedIds: string[]): Promise<void> {
    for (const row of rows) this.indexArticle(toRecord(row));
    for (const id of deletedIds) this.unindex(id);
    await this.feed?.publish([...rows.map((r) => r.id), ...deletedIds]);
  }

  /** Reloads some articles from PostgreSQL (another instance changed them). */
  private async reload(ids: string[]): Promise<void> {
    const rows = await this.db.kbArticle.findMany({ where: { id: { in: ids } } });
    const found = new Set(rows.map((r) => r.id));
    for (const row of rows) this.indexArticle(toRecord(row));
    for (const id of ids) if (!found.has(id)) this.unindex(id);
    this.log.debug({ ids }, 'knowledge-base articles reloaded');
  }

  /** Brings the index in line with PostgreSQL, touching only articles whose updatedAt differs. */
  private async resync(): Promise<void> {
    const stamps = await this.db.kbArticle.findMany({ select: { id: true, updatedAt: true } });
    const stale = stamps.filter((s) => this.versions.get(s.id) !== s.updatedAt.getTime()).map((s) => s.id);
    const present = new Set(stamps.map((s) => s.id));
    const gone = [...this.versions.keys()].filter((id) => !present.has(id));
    for (const id of gone) this.unindex(id);
    // Chunks keep each query small however big the KB is.
    for (let i = 0; i < stale.length; i += 500) await this.reload(stale.slice(i, i + 500));
  }

  private indexArticle(a: KbArticleRecord): void {
    // A reload can race a local change: never replace a newer version with an older one.
    const known = this.versions.get(a.id);
    if (known !== undefined && known > a.updatedAt.getTime()) return;
    // Drafts are never searched; their version is still kept so a re-sync skips them while unchanged.
    if (a.published) this.index.upsert(a);
    else this.index.remove(a.id);
    this.versions.set(a.id, a.updatedAt.getTime());
  }

  private unindex(id: string): void {
    this.index.remove(id);
    this.versions.delete(id);
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.reloads.then(task);
    this.reloads = run.catch((err: unknown) => this.log.error({ err }, 'knowledge-base reload failed'));
    return run;
  }
}

function toRecord(row: KbArticleRow): KbArticleRecord {
  return {
    id: row.id,
    title: row.title,
    lang: row.lang,
    body: row.body,
    questions: row.questions,
    tags: row.tags,
    category: row.category,
    published: row.published,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function sameContent(a: KbArticleRecord, b: ArticleContent & { published: boolean }): boolean {
  return (
    a.published === b.published &&
    a.title === b.title &&
    a.lang === b.lang &&
    a.body === b.body &&
    (a.category ?? null) === b.category &&
    JSON.stringify(a.questions) === JSON.stringify(b.questions) &&
    JSON.stringify(a.tags) === JSON.stringify(b.tags)
  );
}

/** An imported article, checked like one sent to the API; the error names the article. */
function validImport(a: KbArticle): ArticleContent {
  const id = articleId.safeParse(a.id);
  if (!id.success) throw new ValidationError(`article "${a.id}": id: ${id.error.issues[0]?.message ?? 'invalid'}`, 'id');
  const parsed = articleContent.safeParse(a);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ValidationError(`article "${a.id}": ${issue?.path.join('.') || 'article'}: ${issue?.message ?? 'invalid'}`, issue?.path.join('.'));
}

/** Prisma passes `contains` to LIKE with its wildcards live: "50%" must match that text, not everything. */
function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === 'P2002';
}

function notFound(id: string) {
  return (err: unknown): never => {
    if ((err as { code?: string }).code === 'P2025') throw new NotFoundError(`article "${id}" not found`);
    throw err;
  };
}
