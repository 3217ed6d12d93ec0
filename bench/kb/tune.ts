/**
 * Development helper: top-1 accuracy of matcher option variants on the
 * generated benchmark sets en, en-all, ru and en-loo, and leave-one-out over
 * the English KB's own questions (en-kb-loo; run scripts/kb-build-banking.ts
 * first).
 *
 *   tsx bench/kb/tune.ts '{"bigramWeight":0.5}' '{"bigramWeight":0}'
 */
import { readFile } from 'node:fs/promises';
import { KbIndex } from '../../src/kb/kb-index.js';
import type { KbArticle } from '../../src/kb/article.js';
import { readKbDir } from '../../src/kb/markdown.js';
import type { MatcherOptions } from '../../src/kb/options.js';

interface Case {
  text: string;
  expect: string | null;
}
interface BenchSet {
  name: string;
  folds: { articles: KbArticle[]; cases: Case[] }[];
}

const G = 'bench/kb/generated';

async function load(kb: string, cases: string): Promise<{ articles: KbArticle[]; cases: Case[] }> {
  const lines = (await readFile(cases, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return { articles: await readKbDir(kb), cases: lines.map((l) => JSON.parse(l) as Case) };
}

/**
 * Top-1 accuracy when each example question of the English KB is asked of
 * the KB without it (its article re-indexed with 9 examples, then restored):
 * a second English check of nearly the dev split's shape, used only as a check.
 */
function kbLeaveOneOut(articles: readonly KbArticle[], v: Partial<MatcherOptions>): number {
  const index = new KbIndex(v);
  for (const a of articles) index.upsert(a);
  let ok = 0;
  let n = 0;
  for (const a of articles) {
    a.questions.forEach((q, i) => {
      index.upsert({ ...a, questions: a.questions.filter((_, j) => j !== i) });
      n++;
      if (index.search(q, { limit: 1 })[0]?.article.id === a.id) ok++;
    });
    index.upsert(a);
  }
  return Math.round((1000 * ok) / Math.max(n, 1)) / 10;
}

async function main(): Promise<void> {
  const sets: BenchSet[] = await Promise.all([
    { name: 'en', folds: [await load(`${G}/en/kb`, `${G}/en/cases.jsonl`)] },
    { name: 'en-all', folds: [await load(`${G}/en-all/kb`, `${G}/en-all/cases.jsonl`)] },
    ...['ru', 'en-loo'].map(async (name) => ({
      name,
      folds: await Promise.all([1, 2, 3, 4, 5].map((k) => load(`${G}/${name}/fold-${k}/kb`, `${G}/${name}/fold-${k}/cases.jsonl`))),
    })),
  ]);
  const variants = process.argv.slice(2).map((s) => JSON.parse(s) as Partial<MatcherOptions>);
  if (variants.length === 0) variants.push({});
  for (const v of variants) {
    const res: Record<string, number> = {};
    for (const set of sets) {
      let ok = 0;
      let n = 0;
      for (const fold of set.folds) {
        const index = new KbIndex(v);
        for (const a of fold.articles) index.upsert(a);
        for (const c of fold.cases) {
          if (c.expect === null) continue;
          n++;
          if (index.search(c.text, { limit: 1 })[0]?.article.id === c.expect) ok++;
        }
      }
      res[set.name] = Math.round((1000 * ok) / n) / 10;
    }
    res['en-kb-loo'] = kbLeaveOneOut((sets[0] as BenchSet).folds[0]?.articles ?? [], v);
    console.log(JSON.stringify(v), JSON.stringify(res));
  }
}

await main();
