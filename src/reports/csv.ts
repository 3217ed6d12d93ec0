/**
 * CSV export of reports (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a
 * comma, quote or line break). A text cell that a spreadsheet would run as a formula (starting
 * with =, +, -, @, tab or CR) gets a leading apostrophe: agent names are free text.
 */
import type { Series, Summary } from './service.js';

type Cell = string | number | boolean | null | undefined;

function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV text, the first row being the header. */
export function toCsv(rows: Cell[][]): string {
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Nested objects as dotted keys: { csat: { distribution: { 1: 2 } } } → "distribution.1". */
function flatten(value: unknown, prefix = '', out: Array<[string, Cell]> = []): Array<[string, Cell]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.push([prefix, Array.isArray(value) ? value.join(' ') : (value as Cell)]);
  return out;
}

/**
 * The summary as `section,key,value` rows: the report's range and filters first, then every
 * figure (lists such as agent load or busiest hours as one row per agent or hour).
 */
export function summaryCsv(s: Summary): string {
  const rows: Cell[][] = [['section', 'key', 'value']];
  rows.push(['report', 'from', s.from], ['report', 'to', s.to], ['report', 'tz', s.tz], ['report', 'now', s.now]);
  for (const [k, v] of flatten(s.filters)) rows.push(['filter', k, v]);
  const sections = ['volume', 'afrt', 'art', 'csat', 'frtr', 'artr', 'resolvedLate', 'ntb', 'deflection', 'handoff'] as const;
  for (const section of sections) for (const [k, v] of flatten(s[section])) rows.push([section, k, v]);
  for (const a of s.agentLoad.agents) rows.push(['agentLoad', a.agent, a.open]);
  rows.push(['agentLoad', 'unassigned', s.agentLoad.unassigned]);
  rows.push(['backlogAge', 'open', s.backlogAge.open]);
  rows.push(['backlogAge', 'withBot', s.backlogAge.withBot]);
  for (const b of s.backlogAge.buckets) rows.push(['backlogAge', b.age, b.tickets]);
  for (const h of s.busiestHours) rows.push(['busiestHours', String(h.hour), h.tickets]);
  return toCsv(rows);
}

/** A series as one row per bucket: date, start, end, then the metric's figures. */
export function seriesCsv(s: Series): string {
  const points = s.points.map((p) => flatten(p));
  const header = points[0]?.map(([k]) => k) ?? ['date', 'start', 'end'];
  return toCsv([header, ...points.map((p) => p.map(([, v]) => v))]);
}
