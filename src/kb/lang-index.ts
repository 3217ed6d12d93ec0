/**
 * The index of one language. Four views of the same articles, each updated
 * one article at a time:
 *  - article-level BM25F over stems (title + all questions + body);
 *  - BM25 over character n-grams of the questions' whole text;
 *  - TF-IDF cosine against each article's centroid of example questions;
 *  - example-level BM25 (nearest single example question; off by default);
 * plus the typo vocabulary. An article's score is a weighted mean of the
 * views (blend.ts), with the shares in MatcherOptions.
 */
import { analyzeText, charGrams, mergeTerms, phraseGrams, type Analysis } from './analyzer.js';
import type { KbArticle } from './article.js';
import { Bm25Corpus, type Term, type WeightedTerm } from './bm25.js';
import { ARTICLE_VIEW, CENTROID_VIEW, EXAMPLE_VIEW, GRAMS_VIEW, ViewScores, type ArticleScore, type Blend } from './blend.js';
import { CentroidIndex } from './centroid.js';
import { TypoVocabulary } from './fuzzy.js';
import type { MatcherOptions } from './options.js';
import { isSynonymStem } from './synonyms.js';

/** A ranking plus the query-level facts the confidence model uses. */
export interface QueryScores extends Blend {
  /** Number of word terms (stems) in the query after stop words. */
  words: number;
}

export type { ArticleScore };

const SEP = '\u0000';

/** Per-language matcher state. */
export class LanguageIndex {
  // Every view reports articles by a dense numeric key (see blend.ts).
  private readonly examples: Bm25Corpus<string, number>;
  private readonly articles: Bm25Corpus<Term, number>;
  private readonly grams: Bm25Corpus<number, number>;
  private readonly centroids = new CentroidIndex();
  private readonly vocab = new TypoVocabulary();
  /** article id → its key, example doc ids and the words it added to the vocabulary */
  private readonly owned = new Map<string, { key: number; exampleIds: string[]; words: string[] }>();
  /** key → article id; freed keys are reused */
  private readonly idOf: (string | undefined)[] = [];
  private readonly freeKeys: number[] = [];
  private readonly buffers = new ViewScores();

  private readonly docOpts: MatcherOptions;

  constructor(private readonly opts: MatcherOptions) {
    this.docOpts = { ...opts, charWeight: 0 };
    this.examples = new Bm25Corpus<string, number>([{ weight: 1, b: opts.b }], opts.k1);
    this.articles = new Bm25Corpus<Term, number>(
      [
        { weight: opts.titleWeight, b: opts.b },
        { weight: opts.questionsWeight, b: opts.b },
        { weight: opts.bodyWeight, b: opts.b },
      ],
      opts.k1,
    );
    this.grams = new Bm25Corpus<number, number>([{ weight: 1, b: opts.b }], opts.k1);
  }

  /** Number of articles. */
  get size(): number {
    return this.owned.size;
  }

  /** Index (or re-index) one article. */
  upsert(article: KbArticle): void {
    this.remove(article.id);
    const key = this.freeKeys.pop() ?? this.idOf.length;
    this.idOf[key] = article.id;
    const title = this.terms(article.title);
    const questions = article.questions.map((q) => this.terms(q));
    const body = this.terms(article.body);
    const exampleIds: string[] = [];
    // The title is phrased like a question in most KBs, so it is an example
    // too, unless it merely repeats one of the questions. The question-side
    // views (examples, n-grams, centroid) leave the body out: it is an
    // answer, not phrased like a question, and can be long.
    const titleKey = wordTerms(title).join(' ');
    const titleIsQuestion = questions.some((q) => wordTerms(q).join(' ') === titleKey);
    [title, ...questions].forEach((a, i) => {
      if (this.opts.exampleShare <= 0 || a.unigrams.length === 0 || (i === 0 && titleIsQuestion)) return;
      const id = `${article.id}${SEP}${i}`;
      this.examples.upsert(id, [wordTerms(a)], key);
      exampleIds.push(id);
    });
    const withGrams = this.opts.charWeight > 0;
    this.articles.upsert(
      article.id,
      [fieldTerms([title], withGrams), fieldTerms(questions, withGrams), fieldTerms([body], withGrams)],
      key,
    );
    const exampleTexts = titleIsQuestion ? article.questions : [article.title, ...article.questions];
    const exampleTerms = titleIsQuestion ? questions : [title, ...questions];
    if (this.opts.gramShare > 0) {
      const grams = new Map<number, number>();
      for (const text of exampleTexts) phraseGrams(text, grams);
      this.grams.upsert(article.id, [grams], key);
    }
    if (this.opts.centroidShare > 0) this.centroids.upsert(key, exampleTerms.map(termCounts));
    const words = [title, ...questions, body].flatMap((a) => a.words);
    for (const w of words) this.vocab.add(w);
    this.owned.set(article.id, { key, exampleIds, words });
  }

  /** Drop an article and everything it contributed to the statistics. */
  remove(id: string): void {
    const own = this.owned.get(id);
    if (!own) return;
    for (const ex of own.exampleIds) this.examples.remove(ex);
    this.articles.remove(id);
    this.grams.remove(id);
    this.centroids.remove(own.key);
    for (const w of own.words) this.vocab.remove(w);
    this.owned.delete(id);
    this.idOf[own.key] = undefined;
    this.freeKeys.push(own.key);
  }

  /** Score all articles sharing a word (or part of one) with `text`, best first. */
  score(text: string): ArticleScore[] {
    return this.search(text, Infinity).ranked;
  }

  /**
   * The `top` best articles for `text`, best first, plus the query facts the
   * confidence model needs. Agreement is computed over all matching articles.
   */
  search(text: string, top: number): QueryScores {
    // A word is "known" if the KB has its stem or it is a synonym the KB may know by another name.
    const known = (s: string): boolean => this.articles.df(s) > 0 || isSynonymStem(s);
    const a = analyzeText(text, this.opts, this.vocab, known);
    const query = mergeTerms<Term>([...a.unigrams, ...a.bigrams, ...a.grams]);
    if (query.length === 0) return { ranked: [], explained: [], agreement: 0, words: 0 };
    const o = this.opts;
    const wordQuery = mergeTerms([...a.unigrams, ...a.bigrams]);
    const b = this.buffers;
    b.start(this.idOf.length);
    const artSelf = this.articles.selfScore(query, o.unknownWeight);
    if (artSelf > 0) this.articles.score(query, (key, s) => b.set(ARTICLE_VIEW, key, s / artSelf));
    if (o.exampleShare > 0) {
      const exSelf = this.examples.selfScore(wordQuery, o.unknownWeight);
      if (exSelf > 0) this.examples.score(wordQuery, (key, s) => b.max(EXAMPLE_VIEW, key, s / exSelf));
    }
    if (o.gramShare > 0) {
      const gramQuery = [...phraseGrams(text)].map(([term, weight]) => ({ term, weight }));
      const gramSelf = this.grams.selfScore(gramQuery, o.unknownWeight);
      if (gramSelf > 0) this.grams.score(gramQuery, (key, s) => b.set(GRAMS_VIEW, key, s / gramSelf));
    }
    if (o.centroidShare > 0) this.centroids.score(wordQuery, (key, c) => b.set(CENTROID_VIEW, key, c));
    // In VIEWS order: article, example, grams, centroid.
    const shares = [1 - o.exampleShare - o.gramShare - o.centroidShare, o.exampleShare, o.gramShare, o.centroidShare];
    return { ...b.rank(shares, top, (key) => this.idOf[key] as string), words: a.unigrams.length };
  }

  /** Document-side analysis: character n-grams are added per field by upsert(). */
  private terms(text: string): Analysis {
    return analyzeText(text, this.docOpts);
  }
}

/** Unigram and bigram terms of one text with their summed weights (bigrams count less). */
function termCounts(a: Analysis): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of [...a.unigrams, ...a.bigrams]) counts.set(t.term, (counts.get(t.term) ?? 0) + t.weight);
  return counts;
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
function fieldTerms(parts: readonly Analysis[], withGrams: boolean): Map<Term, number> {
  const counts = new Map<Term, number>();
  const add = (term: Term, n: number): void => void counts.set(term, (counts.get(term) ?? 0) + n);
  const words = new Map<string, number>();
  for (const a of parts) {
    for (const t of wordTerms(a)) add(t, 1);
    if (withGrams) for (const w of a.words) words.set(w, (words.get(w) ?? 0) + 1);
  }
  for (const [w, n] of words) for (const g of charGrams(w)) add(g, n);
  return counts;
}
