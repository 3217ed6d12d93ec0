/**
 * `GET /widget/suggest?q=&lang=`: articles the widget shows while the visitor types, before they
 * send anything (public/widget.js debounces the calls and shows up to three).
 *
 * Answer: `{ articles: [{ id, title, snippet }] }`, best first; empty for a short or unmatched query.
 */
import { Router } from 'express';
import type { KbArticle, KbCandidate, KbLang } from '../../kb/article.js';
import { markdownToPlain, snippet } from '../../kb/plain-text.js';
import { corsFor } from './routes.js';

/** The widget asks from 3 characters on; shorter queries match nearly anything. */
const MIN_QUERY_CHARS = 3;
const MAX_QUERY_CHARS = 500;
const MAX_ARTICLES = 3;
/**
 * Scores are the share of the query an article explains (the matcher's "none of these" sits at
 * 0.2). A hint may be looser than the bot's answer threshold, but should still explain most of
 * what was typed.
 */
const MIN_SCORE = 0.5;

export interface ArticleSearch {
  search(text: string, options?: { limit?: number; lang?: KbLang }): KbCandidate[];
}

export interface WidgetSuggestion {
  id: string;
  title: string;
  snippet: string;
}

export function widgetSuggestRouter(kb: ArticleSearch, options: { allowedOrigins: string }): Router {
  const router = Router();
  router.get('/widget/suggest', corsFor(options.allowedOrigins), (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, MAX_QUERY_CHARS) : '';
    const pageLang: KbLang = req.query.lang === 'ru' ? 'ru' : 'en';
    res.set('cache-control', 'no-store').json({ articles: suggest(kb, q, pageLang) });
  });
  return router;
}

/** Up to three articles for what the visitor has typed so far. */
export function suggest(kb: ArticleSearch, q: string, pageLang: KbLang): WidgetSuggestion[] {
  if (q.length < MIN_QUERY_CHARS) return [];
  // What the visitor types says more than the page's language (a Russian question on an English
  // page gets Russian articles); the page's language decides only for words-free queries ("404").
  const hasWords = /[a-zа-яё]/iu.test(q);
  return kb
    .search(q, { limit: MAX_ARTICLES, ...(hasWords ? {} : { lang: pageLang }) })
    .filter((c) => c.score >= MIN_SCORE)
    .map((c) => view(c.article));
}

function view(a: KbArticle): WidgetSuggestion {
  return { id: a.id, title: a.title, snippet: snippet(markdownToPlain(a.body)) };
}
