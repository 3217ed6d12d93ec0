/** Automatic categorization: the category whose keywords the customer's text contains most. */
import type { CategoryConfig } from '../deskConfig.js';
import { StemmedText } from './keywords.js';

/**
 * The path of the best-matching category, or null when no keyword matches. Most matching
 * keywords wins; a tie goes to the more specific category ("support/hardware/printers" over
 * "support"), then to the one declared first.
 */
export function categorize(text: string | StemmedText, categories: ReadonlyArray<Pick<CategoryConfig, 'path' | 'keywords'>>): string | null {
  const analysed = typeof text === 'string' ? new StemmedText(text) : text;
  let best: { path: string; score: number; depth: number } | null = null;
  for (const c of categories) {
    const score = analysed.count(c.keywords);
    if (score === 0) continue;
    const depth = c.path.split('/').length;
    if (!best || score > best.score || (score === best.score && depth > best.depth)) best = { path: c.path, score, depth };
  }
  return best?.path ?? null;
}

/**
 * The team and priority a category sends its tickets to. A subcategory that declares neither
 * inherits them from the nearest ancestor that does ("support/hardware" from "support").
 */
export function categoryDefaults(path: string | null, categories: ReadonlyArray<Pick<CategoryConfig, 'path' | 'team' | 'priority'>>): Pick<CategoryConfig, 'team' | 'priority'> {
  const out: Pick<CategoryConfig, 'team' | 'priority'> = {};
  if (!path) return out;
  const parts = path.split('/');
  for (let n = parts.length; n > 0 && (out.team === undefined || out.priority === undefined); n--) {
    const c = categories.find((x) => x.path === parts.slice(0, n).join('/'));
    if (!c) continue;
    if (out.team === undefined && c.team !== undefined) out.team = c.team;
    if (out.priority === undefined && c.priority !== undefined) out.priority = c.priority;
  }
  return out;
}

/** Whether `category` is `path` or under it ("delivery/courier" is under "delivery"; "deliveryx" is not). */
export function isUnder(category: string | null | undefined, path: string): boolean {
  return !!category && (category === path || category.startsWith(`${path}/`));
}
