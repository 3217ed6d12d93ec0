/**
 * Message texts: VK takes at most 4096 characters per message (src/adapters/text.ts splits
 * longer ones). Inbound, VK escapes a few HTML characters in texts: undone here.
 */

/** VK's limit on a message's text. */
export const VK_TEXT_LIMIT = 4096;

/** VK's escaping of message texts (as vk-io undoes it). */
export function unescapeVkText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/<br>/g, '\n').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

/** Cuts `text` to at most `max` UTF-16 units, whole characters only, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}
