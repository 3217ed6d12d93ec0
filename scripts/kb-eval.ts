/**
 * Evaluates the KB matcher exactly as the bot uses it (KbIndex.search + decide).
 *
 *   tsx scripts/kb-eval.ts --kb DIR --cases FILE.jsonl [--kb DIR2 --cases FILE2.jsonl ...]
 *                          [--answer 0.5 --suggest 0.3] [--dump results.jsonl]
 *
 * Several --kb/--cases pairs (e.g. leave-one-out folds) are pooled into one
 * summary. Each case line: {"text": "...", "expect": "<article id>" | null}.
 * The last line printed is the JSON summary.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { KbIndex } from '../src/kb/kb-index.js';
import { readKbDir } from '../src/kb/markdown.js';
import { decide, DEFAULT_THRESHOLDS, type PolicyThresholds } from '../src/kb/policy.js';

interface Case {
  text: string;
  expect: string | null;
}

interface Outcome {
  text: string;
  expect: string | null;
  top: string | null;
  second: string | null;
  score: number;
  secondScore: number;
  /** ids and scores of the top 10, for calibration (bench/kb/thresholds.ts) */
  ids: string[];
  scores: number[];
  confidence: number;
  decision: 'answer' | 'suggest' | 'handoff';
  ms: number;
}

function parseArgs(argv: string[]): { pairs: { kb: string; cases: string }[]; thresholds: PolicyThresholds; dump?: string } {
  const kbs: string[] = [];
  const cases: string[] = [];
  const thresholds = { ...DEFAULT_THRESHOLDS };
  let dump: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`missing value after ${a}`);
    if (a === '--kb') kbs.push(v);
    else if (a === '--cases') cases.push(v);
    else if (a === '--answer') thresholds.answer = Number(v);
    else if (a === '--suggest') thresholds.suggest = Number(v);
    else if (a === '--dump') dump = v;
    else throw new Error(`unknown argument ${a}`);
    i++;
  }
  if (kbs.length === 0 || kbs.length !== cases.length) {
    throw new Error('usage: kb-eval --kb DIR --cases FILE.jsonl [--kb DIR --cases FILE.jsonl ...] [--answer X --suggest Y] [--dump FILE]');
  }
  return { pairs: kbs.map((kb, i) => ({ kb, cases: cases[i] as string })), thresholds, dump };
}

async function loadCases(file: string): Promise<Case[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const c = JSON.parse(l) as Partial<Case>;
      if (typeof c.text !== 'string' || (c.expect !== null && typeof c.expect !== 'string')) {
        throw new Error(`${file}:${i + 1}: expected {"text": string, "expect": string | null}`);
      }
      return { text: c.text, expect: c.expect };
    });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const { pairs, thresholds, dump } = parseArgs(process.argv.slice(2));
  const outcomes: Outcome[] = [];
  for (const pair of pairs) {
    const index = new KbIndex();
    for (const a of await readKbDir(pair.kb)) index.upsert(a);
    for (const c of await loadCases(pair.cases)) {
      const t0 = performance.now();
      const candidates = index.search(c.text, { limit: 10 });
      const decision = decide(candidates, thresholds);
      const ms = performance.now() - t0;
      const top = candidates[0];
      outcomes.push({
        text: c.text,
        expect: c.expect,
        top: top?.article.id ?? null,
        second: candidates[1]?.article.id ?? null,
        score: top?.score ?? 0,
        secondScore: candidates[1]?.score ?? 0,
        ids: candidates.map((c) => c.article.id),
        scores: candidates.map((c) => round(c.score, 6)),
        confidence: top?.confidence ?? 0,
        decision: decision.kind,
        ms,
      });
    }
  }
  if (dump) await writeFile(dump, outcomes.map((o) => JSON.stringify(o)).join('\n') + '\n', 'utf8');

  const inScope = outcomes.filter((o) => o.expect !== null);
  const oos = outcomes.filter((o) => o.expect === null);
  const answered = outcomes.filter((o) => o.decision === 'answer');
  const correct = answered.filter((o) => o.expect !== null && o.top === o.expect).length;
  const times = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const summary = {
    cases: outcomes.length,
    accuracy_top1: round(inScope.filter((o) => o.top === o.expect).length / Math.max(1, inScope.length)),
    answered: answered.length,
    correct,
    wrong: answered.length - correct,
    handoff: outcomes.filter((o) => o.decision === 'handoff').length,
    precision_answered: round(correct / Math.max(1, answered.length)),
    answer_rate: round(answered.length / Math.max(1, inScope.length)),
    oos_handoff_rate: round(oos.filter((o) => o.decision === 'handoff').length / Math.max(1, oos.length)),
    p50_ms: round(percentile(times, 50), 3),
    p99_ms: round(percentile(times, 99), 3),
  };
  console.log(JSON.stringify(summary));
}

await main();
