/**
 * KbIndex: the in-memory knowledge base the bot searches. Articles are kept
 * per language; every upsert/remove updates term statistics incrementally.
 */
import type { KbArticle, KbCandidate, KbLang } from './article.js';
import { confidences, CONFIDENCE_CANDIDATES } from './confidence.js';
import { LanguageIndex } from './lang-index.js';
import { detectLanguage } from './normalize.js';
import { DEFAULT_MATCHER_OPTIONS, type MatcherOptions } from './options.js';

/** Options of KbIndex.search. */
export interface SearchOptions {
  /** Max candidates to return (default 5). */
  limit?: number;
  /** Language of the KB to search; detected from the text when omitted. */
  lang?: KbLang;
}

/** In-memory, incrementally updated knowledge-base index. */
export class KbIndex {
  private readonly byId = new Map<string, KbArticle>();
  private readonly langs = new Map<KbLang, LanguageIndex>();
  private readonly opts: MatcherOptions;

  constructor(options: Partial<MatcherOptions> = {}) {
    this.opts = { ...DEFAULT_MATCHER_OPTIONS, ...options };
  }

  /** Number of articles in all languages. */
  get size(): number {
    return this.byId.size;
  }

  /** Add or replace an article (by id); only this article is re-indexed. */
  upsert(article: KbArticle): void {
    this.remove(article.id);
    const copy: KbArticle = { ...article, questions: [...article.questions], tags: [...article.tags] };
    this.byId.set(copy.id, copy);
    let li = this.langs.get(copy.lang);
    if (!li) this.langs.set(copy.lang, (li = new LanguageIndex(this.opts)));
    li.upsert(copy);
  }

  /** Remove an article; unknown ids are ignored. */
  remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.langs.get(old.lang)?.remove(id);
    this.byId.delete(id);
  }

  /** The stored article with this id. */
  get(id: string): KbArticle | undefined {
    return this.byId.get(id);
  }

  /** All stored articles. */
  all(): KbArticle[] {
    return [...this.byId.values()];
  }

  /**
   * Best matching articles for a customer message, best first. Confidence
   * reads only the first few candidates (src/kb/confidence.ts), so it is the
   * same whatever `limit` is.
   */
  search(text: string, opts: SearchOptions = {}): KbCandidate[] {
    const limit = opts.limit ?? 5;
    const li = this.pickLanguage(text, opts.lang);
    if (!li || limit <= 0) return [];
    const { ranked, explained, agreement, words } = li.search(text, Math.max(limit, CONFIDENCE_CANDIDATES));
    const conf = confidences({ scores: explained, agreement, words }, limit);
    const out: KbCandidate[] = [];
    for (let i = 0; i < ranked.length && out.length < limit; i++) {
      const r = ranked[i]!;
      const article = this.byId.get(r.id);
      if (article) out.push({ article, score: r.score, confidence: conf[i] ?? 0, explained: explained[i] ?? 0 });
    }
    return out;
  }

  /** Requested language, else the detected one, else whichever language has articles. */
  private pickLanguage(text: string, lang?: KbLang): LanguageIndex | undefined {
    if (lang) return this.langs.get(lang);
    const detected = this.langs.get(detectLanguage(text));
    if (detected && detected.size > 0) return detected;
    for (const li of this.langs.values()) if (li.size > 0) return li;
    return undefined;
  }
}
