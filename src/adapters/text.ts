/**
 * Platforms cap a message's length (Telegram and VK at 4096 characters): longer texts go out as
 * several messages, cut where a reader would pause (a blank line, else a line end, else a
 * space), never inside a word when a softer place exists, and never inside a surrogate pair.
 */

/** A cut is only taken from this far into the window: cutting at 3 % would make a needlessly short part. */
const MIN_FILL = 0.5;

/** Splits `text` into parts of at most `limit` UTF-16 units (as JavaScript counts, and as Telegram and VK do). */
export function splitText(text: string, limit: number): string[] {
  if (limit < 2) throw new Error('limit must be at least 2');
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = cutPoint(rest, limit);
    const head = rest.slice(0, cut).trimEnd();
    if (head) parts.push(head);
    rest = rest.slice(cut).trimStart();
  }
  if (rest || parts.length === 0) parts.push(rest);
  return parts;
}

/** Where to end the next part of `text` (which is longer than `limit`). */
function cutPoint(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  const floor = Math.floor(limit * MIN_FILL);
  for (const separator of [/\n[ \t]*\n/g, /\n/g, /\s/g]) {
    let best = -1;
    for (const m of window.matchAll(separator)) {
      if (m.index <= limit && m.index >= floor) best = m.index;
    }
    if (best > 0) return best;
  }
  // One unbroken run (a long URL, a wall of emoji): cut hard, but keep surrogate pairs whole.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
