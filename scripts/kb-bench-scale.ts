/**
 * Scale benchmark of the KB matcher: synthesizes a large knowledge base,
 * measures index build time and per-query search latency, prints JSON.
 *
 *   tsx scripts/kb-bench-scale.ts [--articles 1000] [--questions 10] [--queries 2000] [--seed 42]
 *
 * Articles alternate English and Russian. Each gets a handful of "topic"
 * words (pseudo-words built from syllables) mixed with common support words,
 * so posting lists have a realistic long tail plus some very common terms.
 * Everything comes from a seeded PRNG: the same seed gives the same KB.
 * Targets: build < 2 s, p99 search < 5 ms on one core.
 */
import { performance } from 'node:perf_hooks';
import type { KbArticle, KbLang } from '../src/kb/article.js';
import { KbIndex } from '../src/kb/kb-index.js';
import { mulberry32 } from './lib/prng.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}


const SYLLABLES: Record<KbLang, string[]> = {
  en: 'ba be bi bo cra dre fi gan hol ker lin mor nes pa quo ra sel tan ver wic yor zen ing er tion ment ous'.split(' '),
  ru: 'ба ве ги до жу за ки ло ми ну по ра се ти фу ха це ча ша ще ю ян ние ость ка ный ать ить'.split(' '),
};
const COMMON: Record<KbLang, string[]> = {
  en: 'how can i my the order card account money payment when why what not is to do get help please change delivery refund cancel'.split(' '),
  ru: 'как я мой мне заказ карта счет деньги оплата когда почему что не это можно помогите пожалуйста доставка возврат отменить'.split(' '),
};

async function main(): Promise<void> {
  const nArticles = arg('--articles', 1000);
  const nQuestions = arg('--questions', 10);
  const nQueries = arg('--queries', 2000);
  const rnd = mulberry32(arg('--seed', 42));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const word = (lang: KbLang): string => {
    const n = 2 + Math.floor(rnd() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += pick(SYLLABLES[lang]);
    return w;
  };
  const sentence = (lang: KbLang, topic: string[]): string => {
    const len = 5 + Math.floor(rnd() * 8);
    const out: string[] = [];
    for (let i = 0; i < len; i++) out.push(rnd() < 0.45 ? pick(topic) : pick(COMMON[lang]));
    return out.join(' ');
  };

  const articles: KbArticle[] = [];
  const topics: string[][] = [];
  for (let i = 0; i < nArticles; i++) {
    const lang: KbLang = i % 2 === 0 ? 'en' : 'ru';
    const topic = Array.from({ length: 6 }, () => word(lang));
    topics.push(topic);
    articles.push({
      id: `synthetic-${i}-${lang}`,
      title: sentence(lang, topic).split(' ').slice(0, 5).join(' '),
      lang,
      body: Array.from({ length: 3 }, () => sentence(lang, topic)).join('. '),
      questions: Array.from({ length: nQuestions }, () => sentence(lang, topic)),
      tags: [],
      category: null,
    });
  }
  const queries = Array.from({ length: nQueries }, () => {
    const i = Math.floor(rnd() * nArticles);
    return { text: sentence(i % 2 === 0 ? 'en' : 'ru', topics[i] as string[]), expect: (articles[i] as KbArticle).id };
  });

  const t0 = performance.now();
  const index = new KbIndex();
  for (const a of articles) index.upsert(a);
  const buildMs = performance.now() - t0;

  // Warm-up: let the JIT compile the hot paths before timing, as in a running server.
  for (const q of queries.slice(0, 200)) index.search(q.text);
  const times: number[] = [];
  let hits = 0;
  for (const q of queries) {
    const s = performance.now();
    const res = index.search(q.text, { limit: 5 });
    times.push(performance.now() - s);
    if (res[0]?.article.id === q.expect) hits++;
  }
  times.sort((a, b) => a - b);
  const pct = (p: number): number => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] as number;

  // Incremental update cost: replace one article in the full index.
  const u0 = performance.now();
  for (let i = 0; i < 100; i++) index.upsert({ ...(articles[i] as KbArticle), title: `${(articles[i] as KbArticle).title} updated` });
  const upsertMs = (performance.now() - u0) / 100;

  const r = (x: number): number => Math.round(x * 1000) / 1000;
  console.log(
    JSON.stringify({
      articles: nArticles,
      questions: nArticles * nQuestions,
      queries: nQueries,
      build_ms: r(buildMs),
      upsert_ms: r(upsertMs),
      p50_ms: r(pct(50)),
      p99_ms: r(pct(99)),
      max_ms: r(times[times.length - 1] as number),
      synthetic_top1: r(hits / nQueries),
      heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6),
    }),
  );
}

await main();
