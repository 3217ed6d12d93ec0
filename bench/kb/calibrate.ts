/**
 * Fits the confidence model (src/kb/confidence.ts) and derives the policy
 * thresholds from the generated benchmark sets (run scripts/kb-build-banking.ts first).
 *
 *   tsx bench/kb/calibrate.ts [--fit en] [--fit en-loo] [--options '{"gramShare":0.3}'] [--without words]
 *
 * 1. Every case of every set is ranked by the matcher; the label is whether
 *    the top article is the expected one (out-of-scope cases: never right).
 * 2. A logistic regression over the ranking features is fitted by maximum
 *    likelihood (Newton's method) on the --fit sets only (default: en, the
 *    10-shot English dev split); the other sets check that it carries over.
 * 3. With the fitted coefficients it prints, per set, the negative
 *    log-likelihood, answered precision and answer rate on a threshold grid,
 *    and the out-of-scope hand-off rate on the same grid, then derives:
 *      answer:  the lowest grid value where answered precision is ≥ 95 % on
 *               every set with 10 example questions per article (en, en-all,
 *               en-small), the shape of the KBs the matcher is checked on; the
 *               4-example leave-one-out sets are reported next to it;
 *      suggest: the lowest grid value where the English dev split and the
 *               Russian set each hand ≥ 80 % of out-of-scope questions to a
 *               human (en-loo and en-small are reported next to it).
 * Paste the printed coefficients into CONFIDENCE_MODEL and the thresholds
 * into DEFAULT_THRESHOLDS.
 */
import { readFile } from 'node:fs/promises';
import type { KbArticle } from '../../src/kb/article.js';
import { CONFIDENCE_MODEL, CONFIDENCE_CANDIDATES, featureVector, topConfidence, type ConfidenceModel } from '../../src/kb/confidence.js';
import { LanguageIndex } from '../../src/kb/lang-index.js';
import { readKbDir } from '../../src/kb/markdown.js';
import { DEFAULT_MATCHER_OPTIONS, type MatcherOptions } from '../../src/kb/options.js';

const G = 'bench/kb/generated';
const FEATURES = ['top', 'margin', 'agreement', 'words'] as const;
const GRID = Array.from({ length: 19 }, (_, i) => Math.round((0.05 + i * 0.05) * 100) / 100);

interface Row {
  x: number[];
  /** 1 when the top article is the expected one */
  y: number;
  inScope: boolean;
  /** confidence under the model currently in src/kb/confidence.ts */
  current: number;
}

let matcherOptions: MatcherOptions = DEFAULT_MATCHER_OPTIONS;

interface Case {
  text: string;
  expect: string | null;
}

async function readCases(file: string): Promise<Case[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return lines.map((l) => JSON.parse(l) as Case);
}

function rows(articles: readonly KbArticle[], cases: readonly Case[]): Row[] {
  const index = new LanguageIndex(matcherOptions);
  for (const a of articles) index.upsert(a);
  return cases.map((c) => {
    const q = index.search(c.text, CONFIDENCE_CANDIDATES);
    const f = { scores: q.explained, agreement: q.agreement, words: q.words };
    const v = featureVector(f);
    return {
      x: FEATURES.map((k) => v[k]),
      y: q.ranked[0] !== undefined && q.ranked[0].id === c.expect ? 1 : 0,
      inScope: c.expect !== null,
      current: topConfidence(f),
    };
  });
}

async function loadFold(kb: string, casesFile: string): Promise<Row[]> {
  return rows(await readKbDir(kb), await readCases(casesFile));
}

/**
 * The English KB cut into SMALL_PARTS knowledge bases of ~17 articles, each
 * asked its own articles' dev questions and a share of the out-of-scope ones:
 * checks that the confidence does not depend on the KB's size.
 */
const SMALL_PARTS = 4;
async function loadSmall(): Promise<Row[]> {
  const articles = await readKbDir(`${G}/en/kb`);
  const cases = await readCases(`${G}/en/cases.jsonl`);
  const out: Row[] = [];
  for (let part = 0; part < SMALL_PARTS; part++) {
    const mine = articles.filter((_, i) => i % SMALL_PARTS === part);
    const ids = new Set(mine.map((a) => a.id));
    const asked = cases.filter((c, i) => (c.expect === null ? i % SMALL_PARTS === part : ids.has(c.expect)));
    out.push(...rows(mine, asked));
  }
  return out;
}

async function loadSets(): Promise<Map<string, Row[]>> {
  const folds = (name: string): Promise<Row[][]> =>
    Promise.all([1, 2, 3, 4, 5].map((k) => loadFold(`${G}/${name}/fold-${k}/kb`, `${G}/${name}/fold-${k}/cases.jsonl`)));
  return new Map([
    ['en', await loadFold(`${G}/en/kb`, `${G}/en/cases.jsonl`)],
    ['en-all', await loadFold(`${G}/en-all/kb`, `${G}/en-all/cases.jsonl`)],
    ['en-small', await loadSmall()],
    ['ru', (await folds('ru')).flat()],
    ['en-loo', (await folds('en-loo')).flat()],
  ]);
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Solve A·x = b (A small and positive definite) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/**
 * Maximum-likelihood logistic regression (Newton's method). A tiny ridge
 * term keeps the Hessian invertible; the bias (last weight) is not penalized.
 */
function fitLogistic(rows: readonly Row[], used: readonly boolean[], ridge = 1e-3, iterations = 50): number[] {
  const d = FEATURES.length + 1;
  let w = new Array<number>(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const r of rows) {
      const x = [...r.x.map((xi, i) => (used[i] ? xi : 0)), 1];
      const p = sigmoid(x.reduce((s, xi, i) => s + xi * w[i]!, 0));
      for (let i = 0; i < d; i++) {
        grad[i]! += (p - r.y) * x[i]!;
        for (let j = 0; j < d; j++) hess[i]![j]! += p * (1 - p) * x[i]! * x[j]!;
      }
    }
    for (let i = 0; i < d - 1; i++) {
      // A left-out feature is all zeros: the ridge term alone keeps its weight at 0.
      grad[i]! += ridge * w[i]!;
      hess[i]![i]! += ridge;
    }
    const step = solve(hess, grad);
    w = w.map((wi, i) => wi - step[i]!);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return w;
}

function toModel(w: readonly number[]): ConfidenceModel {
  const r = (x: number): number => Math.round(x * 100) / 100;
  const [top, margin, agreement, words, bias] = w.map(r) as [number, number, number, number, number];
  return { bias, top, margin, agreement, words };
}

function confidence(model: ConfidenceModel, r: Row): number {
  const z = model.bias + FEATURES.reduce((s, k, i) => s + model[k] * (r.x[i] as number), 0);
  return sigmoid(z);
}

function nll(rows: readonly Row[], p: (r: Row) => number): number {
  let s = 0;
  for (const r of rows) s -= Math.log(Math.max(r.y === 1 ? p(r) : 1 - p(r), 1e-12));
  return s / Math.max(rows.length, 1);
}

interface AtThreshold {
  answered: number;
  correct: number;
  precision: number;
  answerRate: number;
  oosHandoff: number;
}

function at(rows: readonly Row[], p: (r: Row) => number, t: number): AtThreshold {
  const answered = rows.filter((r) => p(r) >= t);
  const correct = answered.filter((r) => r.y === 1).length;
  const inScope = rows.filter((r) => r.inScope).length;
  const oos = rows.filter((r) => !r.inScope);
  return {
    answered: answered.length,
    correct,
    precision: correct / Math.max(answered.length, 1),
    answerRate: answered.length / Math.max(inScope, 1),
    oosHandoff: oos.filter((r) => p(r) < t).length / Math.max(oos.length, 1),
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`.padStart(6);

async function main(): Promise<void> {
  const fitNames: string[] = [];
  const without = new Set<string>();
  for (let i = 2; i < process.argv.length; i++) {
    const a = process.argv[i];
    const v = process.argv[++i];
    if (v === undefined) throw new Error(`missing value after ${a}`);
    if (a === '--fit') fitNames.push(v);
    else if (a === '--without') without.add(v);
    else if (a === '--options') matcherOptions = { ...DEFAULT_MATCHER_OPTIONS, ...(JSON.parse(v) as Partial<MatcherOptions>) };
    else throw new Error(`unknown argument ${a}`);
  }
  if (fitNames.length === 0) fitNames.push('en');
  const sets = await loadSets();
  const used = FEATURES.map((f) => !without.has(f));
  const model = toModel(fitLogistic(fitNames.flatMap((n) => sets.get(n) ?? []), used));
  const p = (r: Row): number => confidence(model, r);

  console.log(`fitted on ${fitNames.join(' + ')}:`, JSON.stringify(model));
  console.log('NLL (fitted / current CONFIDENCE_MODEL), top-1 accuracy:');
  for (const [name, rows] of sets) {
    const inScope = rows.filter((r) => r.inScope);
    const top1 = inScope.filter((r) => r.y === 1).length / Math.max(inScope.length, 1);
    console.log(`  ${name.padEnd(7)} ${nll(rows, p).toFixed(3)} / ${nll(rows, (r) => r.current).toFixed(3)}   top-1 ${pct(top1)}`);
  }
  if (JSON.stringify(model) !== JSON.stringify(CONFIDENCE_MODEL)) console.log('  (differs from CONFIDENCE_MODEL: paste the fitted one to use it)');

  console.log('\nthreshold: answered precision / answer rate per set; out-of-scope handed off below it');
  let answer: number | undefined;
  let suggest: number | undefined;
  for (const t of GRID) {
    const per = [...sets].map(([name, rows]) => ({ name, ...at(rows, p, t) }));
    const tenShot = per.filter((x) => x.name.startsWith('en') && x.name !== 'en-loo');
    if (answer === undefined && tenShot.every((x) => x.precision >= 0.95)) answer = t;
    const languages = per.filter((x) => x.name === 'en' || x.name === 'ru');
    if (suggest === undefined && languages.every((x) => x.oosHandoff >= 0.8)) suggest = t;
    const cols = per.map((s) => `${s.name} ${pct(s.precision)}/${pct(s.answerRate)}`).join('  ');
    const oos = per.filter((s) => s.name !== 'en-all').map((s) => `${s.name} ${pct(s.oosHandoff)}`).join(' ');
    console.log(`  ${t.toFixed(2)}  ${cols} | OOS→human ${oos}`);
  }
  console.log(JSON.stringify({ model, answer, suggest }));
}

await main();
