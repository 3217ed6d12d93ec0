/**
 * Fills `{{name}}` placeholders in customer-facing texts (notifications, canned responses).
 * A placeholder without a value disappears, and so do the gaps and dangling punctuation it
 * would leave ("Hello, {{customer.name}}!" → "Hello!", "(#{{ticket.number}})" → ""), so a
 * customer never sees "{{…}}" or "Hello , !". The rest of the text is left exactly as written.
 */

/** Stands for an empty placeholder while the text around it is tidied (never in real texts). */
const EMPTY = '\u0000';

/** `template` with each {{key}} replaced by `vars[key]` (whitespace inside the braces is allowed). */
export function fillPlaceholders(template: string, vars: Record<string, string | number | null | undefined>): string {
  const filled = template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, key: string) => {
    const value = vars[key];
    const text = value === undefined || value === null ? '' : String(value).trim();
    return text === '' ? EMPTY : text;
  });
  return filled.includes(EMPTY) ? tidy(filled) : filled;
}

/** Removes the empty placeholders and only what they leave behind. */
function tidy(text: string): string {
  return (
    text
      // "(#)", "«»", '""' around nothing
      .replace(/\(\s*#?\0\s*\)|«\s*\0\s*»|"\s*\0\s*"/g, EMPTY)
      // a "#" whose number was empty
      .replace(/#\0/g, EMPTY)
      // at the start of a line: "{{customer.name}}, hello" → "hello"
      .replace(/^[ \t]*\0[ \t]*[,:;]?[ \t]*/gm, '')
      // before punctuation or the end of a line: "Hello, {{customer.name}}!" → "Hello!", "reason: {{reason}}" → "reason"
      .replace(/[ \t]*[,:;]?[ \t]*\0[ \t]*(?=[,.!?;:»)]|$)/gm, '')
      // between words: one space stays
      .replace(/[ \t]*\0[ \t]*/g, (gap) => (/^[ \t]/.test(gap) && /[ \t]$/.test(gap) ? ' ' : ''))
  );
}
