/**
 * Tags as the desk keeps them: trimmed and lower-case, so "VIP", "vip " and "Vip" are one tag in
 * the ticket, its filters and the automation that adds or removes it (routing conditions already
 * compared them so), without duplicates, sorted.
 */

/** One tag as stored; empty when it is nothing but spaces. */
export function normalizeTag(tag: string): string {
  return tag.trim().toLowerCase();
}

/** A set of tags as stored. */
export function normalizeTags(tags: Iterable<string>): string[] {
  return [...new Set([...tags].map(normalizeTag).filter(Boolean))].sort();
}
