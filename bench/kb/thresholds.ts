/**
 * Picks the confidence temperature and the policy thresholds from kb-eval
 * dumps, so DEFAULT_THRESHOLDS can be re-derived after a matcher change.
 *
 *   tsx scripts/kb-eval.ts --kb … --cases … --dump /tmp/en.jsonl
 *   tsx bench/kb/thresholds.ts en=/tmp/en.jsonl ru=/tmp/ru.jsonl
 *
 * Rules (see bench/kb/README.md):
 *   temperature: lowest mean negative log-likelihood of the right article
 *     (top 5 + "none" candidate) over in-scope cases, pooled;
 *   answer: lowest grid value where pooled answered precision ≥ 95 %;
 *   suggest: lowest grid value where every set hands off ≥ 80 % of
 *     out-of-scope cases.
 */
import { readFile } from 'node:fs/promises';
import { confidences, NULL_CANDIDATE_SCORE, SOFTMAX_CANDIDATES } from '../../src/kb/confidence.js';

interface Row {
  expect: string | null;
  ids: string[];
  scores: number[];
}

const GRID = Array.from({ length: 19 }, (_, i) => Math.round((0.05 + i * 0.05) * 100) / 100).concat([0.97, 0.99]);

function nll(rows: Row[], t: number): number {
  let sum = 0;
  let n = 0;
  for (const r of rows) {
    if (r.expect === null) continue;
    n++;
    const ids = r.ids.slice(0, SOFTMAX_CANDIDATES);
    const conf = confidences(r.scores.slice(0, SOFTMAX_CANDIDATES), t);
    const i = ids.indexOf(r.expect);
    // Mass left for "none" when the right article is not among the top few.
    const p = i >= 0 ? (conf[i] as number) : 1 - conf.reduce((a, b) => a + b, 0);
    sum -= Math.log(Math.max(p, 1e-12));
  }
  return sum / Math.max(n, 1);
}

async function main(): Promise<void> {
  const sets: { name: string; rows: Row[] }[] = [];
  for (const arg of process.argv.slice(2)) {
    const [name, file] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [arg, arg];
    const text = await readFile(file, 'utf8');
    sets.push({ name, rows: text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row) });
  }
  if (sets.length === 0) throw new Error('usage: thresholds.ts name=dump.jsonl [name=dump.jsonl ...]');

  const all = sets.flatMap((s) => s.rows);
  const temps = [0.05, 0.07, 0.1, 0.12, 0.15, 0.2];
  const fits = temps.map((t) => ({ t, nll: nll(all, t), per: sets.map((s) => Math.round(nll(s.rows, t) * 1000) / 1000) }));
  for (const f of fits) console.log(`T=${f.t}  pooled NLL=${f.nll.toFixed(3)}  per set=${f.per.join(' / ')}`);
  const bestT = fits.reduce((a, b) => (b.nll < a.nll ? b : a)).t;

  // Confidence of the top candidate at the chosen temperature.
  const conf = (r: Row): number => confidences(r.scores.slice(0, SOFTMAX_CANDIDATES), bestT)[0] ?? 0;
  const stats = (rows: Row[], answer: number, suggest: number) => {
    const inScope = rows.filter((r) => r.expect !== null).length;
    const oos = rows.filter((r) => r.expect === null);
    const answered = rows.filter((r) => conf(r) >= answer);
    const correct = answered.filter((r) => r.expect !== null && r.ids[0] === r.expect).length;
    return {
      answered: answered.length,
      correct,
      precision: correct / Math.max(answered.length, 1),
      answerRate: answered.length / Math.max(inScope, 1),
      oosHandoff: oos.filter((r) => conf(r) < suggest).length / Math.max(oos.length, 1),
    };
  };
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  console.log(`\nanswer threshold (T=${bestT}): precision / answer rate per set, pooled precision`);
  let answer: number | undefined;
  for (const a of GRID) {
    const per = sets.map((s) => ({ name: s.name, ...stats(s.rows, a, 0) }));
    const pooled = per.reduce((x, p) => x + p.correct, 0) / Math.max(per.reduce((x, p) => x + p.answered, 0), 1);
    if (answer === undefined && pooled >= 0.95) answer = a;
    console.log(`  ${a.toFixed(2)}  ${per.map((p) => `${p.name} ${pct(p.precision)} / ${pct(p.answerRate)}`).join('  ')}  pooled ${pct(pooled)}`);
  }
  console.log('\nsuggest threshold: out-of-scope handed off per set');
  let suggest: number | undefined;
  for (const s of GRID) {
    const per = sets.map((x) => ({ name: x.name, ...stats(x.rows, 1, s) }));
    if (suggest === undefined && per.every((p) => p.oosHandoff >= 0.8)) suggest = s;
    console.log(`  ${s.toFixed(2)}  ${per.map((p) => `${p.name} ${pct(p.oosHandoff)}`).join('  ')}`);
  }
  console.log(JSON.stringify({ temperature: bestT, null_score: NULL_CANDIDATE_SCORE, answer, suggest }));
}

await main();
