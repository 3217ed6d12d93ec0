/**
 * Builds the KB-matching benchmark from the labelled BANKING77 data in
 * bench/kb/data/ into bench/kb/generated/ (Markdown KB folders + JSONL cases).
 *
 *   tsx scripts/kb-build-banking.ts [--data bench/kb/data] [--out bench/kb/generated]
 *
 * Out-of-scope questions are made honestly by holding whole intents out of
 * the KB: every 8th intent in alphabetical order (index % 8 === 3, 10 of 77)
 * gets no article, and its questions become cases with `"expect": null`.
 *
 * Layout:
 *   en/kb, en/cases.jsonl         67 articles (10 examples each); dev.csv rows as cases
 *   en-all/kb, en-all/cases.jsonl all 77 articles, no out-of-scope (plain top-1 accuracy)
 *   ru/fold-N/kb, ru/fold-N/cases.jsonl (N = 1..5) leave-one-out over fewshot_5:
 *                                 4 examples per intent in the KB, the N-th as the question
 *   en-loo/fold-N/...             the same leave-one-out over the first 5 English examples
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KbArticle, KbLang } from '../src/kb/article.js';
import { writeKbDir } from '../src/kb/markdown.js';

/** One benchmark case: a customer message and the article id it should get (null = out of scope). */
interface Case {
  text: string;
  expect: string | null;
  intent: string;
}

const HOLDOUT_EVERY = 8;
const HOLDOUT_OFFSET = 3;
const BODY = '_Benchmark article: the answer text is not part of the data set._';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

/** Minimal RFC 4180 CSV reader (quoted fields, doubled quotes, newlines in quotes). */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body
    .filter((r) => r.some((f) => f !== ''))
    .map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/** "card_payment_wrong_exchange_rate" → "Card payment wrong exchange rate". */
function humanize(intent: string): string {
  const s = intent.replace(/[_?]+/g, ' ').trim().toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function articleId(intent: string, lang: KbLang): string {
  return `${intent.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${lang}`;
}

function groupBy(rows: Record<string, string>[], key: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const k = r[key] as string;
    const list = out.get(k) ?? [];
    list.push(r['text'] as string);
    out.set(k, list);
  }
  return out;
}

async function writeSet(dir: string, articles: KbArticle[], cases: Case[]): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeKbDir(path.join(dir, 'kb'), articles);
  await writeFile(path.join(dir, 'cases.jsonl'), cases.map((c) => JSON.stringify(c)).join('\n') + '\n', 'utf8');
}

/**
 * Leave-one-out folds: fold k puts every example but the k-th of each intent in the KB (title =
 * the first of them, as a KB author would title an article with a typical question) and asks the
 * k-th; held-out intents get no article and their k-th example is an out-of-scope case.
 */
async function writeLooFolds(dir: string, examples: Map<string, string[]>, heldOut: Set<string>, lang: KbLang, folds: number): Promise<void> {
  for (let k = 0; k < folds; k++) {
    const articles: KbArticle[] = [];
    const cases: Case[] = [];
    for (const intent of [...examples.keys()].sort()) {
      const all = examples.get(intent) as string[];
      const question = all[k] as string;
      const kb = all.filter((_, i) => i !== k);
      if (heldOut.has(intent)) {
        cases.push({ text: question, expect: null, intent });
        continue;
      }
      articles.push({ id: articleId(intent, lang), title: kb[0] as string, lang, body: BODY, questions: kb, tags: ['banking77'], category: null });
      cases.push({ text: question, expect: articleId(intent, lang), intent });
    }
    await writeSet(path.join(dir, `fold-${k + 1}`), articles, cases);
  }
}

async function main(): Promise<void> {
  const data = arg('--data', 'bench/kb/data');
  const out = arg('--out', 'bench/kb/generated');

  const intents = (JSON.parse(await readFile(path.join(data, 'banking77/categories.json'), 'utf8')) as string[])
    .map((s) => s.toLowerCase())
    .sort();
  const heldOut = new Set(intents.filter((_, i) => i % HOLDOUT_EVERY === HOLDOUT_OFFSET));

  // English: kb_10shot → articles, dev → cases.
  const kbRows = parseCsv(await readFile(path.join(data, 'banking77/kb_10shot.csv'), 'utf8'));
  const devRows = parseCsv(await readFile(path.join(data, 'banking77/dev.csv'), 'utf8'));
  for (const r of [...kbRows, ...devRows]) r['category'] = (r['category'] as string).toLowerCase();
  const enExamples = groupBy(kbRows, 'category');
  const enArticle = (intent: string): KbArticle => ({
    id: articleId(intent, 'en'),
    title: humanize(intent),
    lang: 'en',
    body: BODY,
    questions: enExamples.get(intent) ?? [],
    tags: ['banking77'],
    category: null,
  });
  const devCase = (r: Record<string, string>, withHoldout: boolean): Case => {
    const intent = r['category'] as string;
    return { text: r['text'] as string, expect: withHoldout && heldOut.has(intent) ? null : articleId(intent, 'en'), intent };
  };
  await writeSet(
    path.join(out, 'en'),
    intents.filter((i) => !heldOut.has(i)).map(enArticle),
    devRows.map((r) => devCase(r, true)),
  );
  await writeSet(path.join(out, 'en-all'), intents.map(enArticle), devRows.map((r) => devCase(r, false)));

  // Russian: leave-one-out over the 5 examples of each intent.
  const ruRows = parseCsv(await readFile(path.join(data, 'ru_banking77/fewshot_5.csv'), 'utf8'));
  for (const r of ruRows) r['category'] = (r['category'] as string).toLowerCase();
  const ruExamples = groupBy(ruRows, 'category');
  const folds = Math.min(...[...ruExamples.values()].map((l) => l.length));
  await writeLooFolds(path.join(out, 'ru'), ruExamples, heldOut, 'ru', folds);
  // The same leave-one-out shape in English (the first 5 of each intent's 10 examples): it
  // separates what the language costs from what having 4 examples instead of 10 costs.
  const enFirst = new Map([...enExamples].map(([intent, qs]) => [intent, qs.slice(0, folds)]));
  await writeLooFolds(path.join(out, 'en-loo'), enFirst, heldOut, 'en', folds);
  console.log(
    JSON.stringify({ out, held_out_intents: [...heldOut], en_articles: intents.length - heldOut.size, dev_cases: devRows.length, ru_folds: folds }),
  );
}

await main();
