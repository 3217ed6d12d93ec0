/**
 * The index of one language: an example-level BM25 corpus (nearest example
 * question) and an article-level BM25F corpus (title + all questions + body,
 * i.e. the article "centroid"), plus the typo vocabulary.
 */
import { analyzeText, charGrams, mergeTerms, type Analysis } from './analyzer.js';
import type { KbArticle } from './article.js';
import { Bm25Corpus, type WeightedTerm } from './bm25.js';
import { TypoVocabulary } from './fuzzy.js';
import type { MatcherOptions } from './options.js';
import { isSynonymStem } from './synonyms.js';

/** Raw per-article scores of one query, both normalized to roughly 0..1. */
export interface ArticleScore {
  id: string;
  /** Blend of `example` and `article`. */
  score: number;
  /** Best single example question, normalized by the query's self-score. */
  example: number;
  /** Whole-article BM25F, normalized by the query's self-score. */
  article: number;
}

const SEP = '\u0000';

/** Per-language matcher state. */
export class LanguageIndex {
  private readonly examples: Bm25Corpus;
  private readonly articles: Bm25Corpus;
  private readonly vocab = new TypoVocabulary();
  /** article id → example doc ids and the words it added to the vocabulary */
  private readonly owned = new Map<string, { exampleIds: string[]; words: string[] }>();

  private readonly docOpts: MatcherOptions;

  constructor(private readonly opts: MatcherOptions) {
    this.docOpts = { ...opts, charWeight: 0 };
    this.examples = new Bm25Corpus([{ weight: 1, b: opts.b }], opts.k1);
    this.articles = new Bm25Corpus(
      [
        { weight: opts.titleWeight, b: opts.b },
        { weight: opts.questionsWeight, b: opts.b },
        { weight: opts.bodyWeight, b: opts.b },
      ],
      opts.k1,
    );
  }

  /** Number of articles. */
  get size(): number {
    return this.owned.size;
  }

  /** Index (or re-index) one article. */
  upsert(article: KbArticle): void {
    this.remove(article.id);
    const title = this.terms(article.title);
    const questions = article.questions.map((q) => this.terms(q));
    const body = this.terms(article.body);
    const exampleIds: string[] = [];
    // The title is phrased like a question in most KBs, so it is an example
    // too, unless it merely repeats one of the questions.
    const titleKey = wordTerms(title).join(' ');
    const titleIsQuestion = questions.some((q) => wordTerms(q).join(' ') === titleKey);
    [title, ...questions].forEach((a, i) => {
      if (a.unigrams.length === 0 || (i === 0 && titleIsQuestion)) return;
      const id = `${article.id}${SEP}${i}`;
      this.examples.upsert(id, [wordTerms(a)], article.id);
      exampleIds.push(id);
    });
    const withGrams = this.opts.charWeight > 0;
    this.articles.upsert(article.id, [
      fieldTerms([title], withGrams),
      fieldTerms(questions, withGrams),
      fieldTerms([body], withGrams),
    ]);
    const words = [title, ...questions, body].flatMap((a) => a.words);
    for (const w of words) this.vocab.add(w);
    this.owned.set(article.id, { exampleIds, words });
  }

  /** Drop an article and everything it contributed to the statistics. */
  remove(id: string): void {
    const own = this.owned.get(id);
    if (!own) return;
    for (const ex of own.exampleIds) this.examples.remove(ex);
    this.articles.remove(id);
    for (const w of own.words) this.vocab.remove(w);
    this.owned.delete(id);
  }

  /** Score all articles sharing at least one term with `text`, best first. */
  score(text: string): ArticleScore[] {
    // A word is "known" if the KB has its stem or it is a synonym the KB may know by another name.
    const known = (s: string): boolean => this.articles.df(s) > 0 || isSynonymStem(s);
    const a = analyzeText(text, this.opts, this.vocab, known);
    const query = mergeTerms([...a.unigrams, ...a.bigrams, ...a.grams]);
    if (query.length === 0) return [];
    const wordQuery = mergeTerms([...a.unigrams, ...a.bigrams]);
    const exSelf = this.examples.selfScore(wordQuery, this.opts.unknownWeight);
    const artSelf = this.articles.selfScore(query, this.opts.unknownWeight);
    const best = new Map<string, number>();
    this.examples.score(wordQuery, (id, s) => {
      if (s > (best.get(id) ?? 0)) best.set(id, s);
    });
    const share = this.opts.exampleShare;
    const out: ArticleScore[] = [];
    this.articles.score(query, (id, s) => {
      const example = exSelf > 0 ? (best.get(id) ?? 0) / exSelf : 0;
      const article = artSelf > 0 ? s / artSelf : 0;
      out.push({ id, example, article, score: share * example + (1 - share) * article });
    });
    return out.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
  }

  /** Document-side analysis: character n-grams are added per field by upsert(). */
  private terms(text: string): Analysis {
    return analyzeText(text, this.docOpts);
  }
}

/** Unigram and bigram terms of one text. */
function wordTerms(a: Analysis): string[] {
  return [...a.unigrams, ...a.bigrams].map((t: WeightedTerm) => t.term);
}

/**
 * Term counts of one article field: words, bigrams and, if wanted, the
 * character n-grams of its words. N-grams are generated once per distinct
 * word and multiplied by the word's count: same statistics, far less work
 * for long articles that repeat their key words.
 */
function fieldTerms(parts: readonly Analysis[], withGrams: boolean): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (term: string, n: number): void => void counts.set(term, (counts.get(term) ?? 0) + n);
  const words = new Map<string, number>();
  for (const a of parts) {
    for (const t of wordTerms(a)) add(t, 1);
    if (withGrams) for (const w of a.words) words.set(w, (words.get(w) ?? 0) + 1);
  }
  for (const [w, n] of words) for (const g of charGrams(w)) add(g, n);
  return counts;
}
