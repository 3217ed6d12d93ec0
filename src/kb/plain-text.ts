/**
 * Articles are written in Markdown, but most chat surfaces (the widget, SMS-like messengers, the
 * API channel's integrators) show text as it is: asterisks would reach the customer verbatim.
 * The bot therefore sends articles as plain text.
 */

/** Markdown to readable plain text: emphasis and headings dropped, links as "text (url)". */
export function markdownToPlain(md: string): string {
  return (
    md
      .replace(/\r\n?/g, '\n')
      .replace(/```[^\n]*\n([\s\S]*?)```/g, '$1')
      .replace(/`([^`\n]+)`/g, '$1')
      .replace(/!\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g, (_m, alt: string, url: string) => (alt ? `${alt} (${url})` : url))
      .replace(/\[([^\]]+)\]\(([^)\s]+)[^)]*\)/g, (_m, label: string, url: string) => (label === url ? url : `${label} (${url})`))
      .replace(/^ {0,3}#{1,6}\s+/gm, '')
      .replace(/^ {0,3}>\s?/gm, '')
      // List markers first, so "* item" is not taken for emphasis below.
      .replace(/^(\s*)[*+]\s+/gm, '$1- ')
      .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
      .replace(/(^|[^\p{L}\p{N}*])\*(?=\S)([^*\n]*?\S)\*(?![\p{L}\p{N}])/gu, '$1$2')
      .replace(/(^|[^\p{L}\p{N}_])_(?=\S)([^_\n]*?\S)_(?![\p{L}\p{N}])/gu, '$1$2')
      .replace(/\\([\\`*_{}[\]()#+\-.!>])/g, '$1')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

/** The start of a text, cut at a word boundary, for previews. */
export function snippet(text: string, maxChars = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxChars / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:–—-]+$/u, '')}…`;
}
