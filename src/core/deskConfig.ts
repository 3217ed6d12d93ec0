/**
 * The desk configuration file (DESK_CONFIG, YAML). Validated at start: an error names the
 * line and the problem.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { BusinessCalendar } from './sla/calendar.js';

const localized = z.object({ ru: z.string().min(1), en: z.string().min(1) });

const categoryPath = z.string().regex(/^[\w-]+(\/[\w-]+)*$/, 'a path like "support/hardware"');

/** The ticket priorities, lowest first (as in prisma/schema.prisma). */
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

const HOUR_MS = 3_600_000;
const UNIT_MS: Record<string, number> = { d: 24 * HOUR_MS, h: HOUR_MS, m: 60_000 };

/**
 * A business-time duration: "90m", "3h", "1h30m", "2d" (d = 24 hours of business time, not a
 * calendar day and not one working day). Parsed into milliseconds.
 */
const duration = z
  .string()
  .regex(/^\s*(\d+\s*[dhm]\s*)+$/, 'a duration like "3h", "90m", "1h30m" or "2d" (d = 24 business hours)')
  .transform((text) => [...text.matchAll(/(\d+)\s*([dhm])/g)].reduce((sum, m) => sum + Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0), 0))
  .refine((ms) => ms > 0, 'must be longer than zero');

/** BusinessCalendar's spec (src/core/sla/calendar.ts) minus the name, which is the key. */
const calendar = z.object({
  timeZone: z.string().min(1),
  hours: z.record(z.string(), z.array(z.string())),
  holidays: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
});

const slaPolicy = z.object({
  priority: z.enum(PRIORITIES),
  /** Narrows the policy to a category and its subcategories. */
  category: categoryPath.optional(),
  /** A name under `calendars`; without one the clock runs 24/7. */
  calendar: z.string().min(1).optional(),
  firstResponse: duration,
  resolution: duration,
});

const schema = z
  .object({
    categories: z.array(z.object({ path: categoryPath, title: localized })).default([]),
    calendars: z.record(z.string().min(1), calendar).default({}),
    sla: z.array(slaPolicy).default([]),
  })
  .superRefine((desk, ctx) => {
    for (const [name, spec] of Object.entries(desk.calendars)) {
      try {
        BusinessCalendar.parse({ name, ...spec });
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['calendars', name], message: (err as Error).message });
      }
    }
    const seen = new Set<string>();
    desk.sla.forEach((policy, i) => {
      if (policy.calendar !== undefined && !Object.hasOwn(desk.calendars, policy.calendar)) {
        const known = Object.keys(desk.calendars);
        ctx.addIssue({
          code: 'custom',
          path: ['sla', i, 'calendar'],
          message: `unknown calendar "${policy.calendar}" (${known.length ? `declared: ${known.join(', ')}` : 'no calendars are declared'})`,
        });
      }
      const key = `${policy.priority} ${policy.category ?? ''}`;
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sla', i],
          message: `a second policy for priority "${policy.priority}"${policy.category ? ` and category "${policy.category}"` : ' without a category'}`,
        });
      }
      seen.add(key);
    });
  });

type ParsedDesk = z.infer<typeof schema>;
/** The validated file. `calendars` and `sla` are optional so that code needing only categories can build one. */
export type DeskConfig = Omit<ParsedDesk, 'calendars' | 'sla'> & Partial<Pick<ParsedDesk, 'calendars' | 'sla'>>;
export type SlaPolicyConfig = ParsedDesk['sla'][number];
export type CalendarConfig = ParsedDesk['calendars'][string];
export type Lang = 'ru' | 'en';

export class DeskConfigError extends Error {
  override name = 'DeskConfigError';
}

/** Parses and validates the YAML text; `source` names the file in errors. */
export function parseDeskConfig(text: string, source: string): DeskConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = yamlError.linePos?.[0];
    throw new DeskConfigError(`${source}${at ? `:${at.line}` : ''}: ${yamlError.message.split('\n')[0]}`);
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const node = nodeAt(doc.contents, issue.path);
  const line = node?.range ? `:${lines.linePos(node.range[0]).line}` : '';
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new DeskConfigError(`${source}${line}: ${where}${issue.message}`);
}

export async function loadDeskConfig(file: string): Promise<DeskConfig> {
  return parseDeskConfig(await readFile(file, 'utf8'), file);
}

/** The deepest YAML node along a validation path, so the error can name its line. */
function nodeAt(root: Node | null, path: PropertyKey[]): Node | null {
  let node: Node | null = root;
  for (const key of path) {
    if (isMap(node)) {
      const next: unknown = node.get(key, true);
      if (!next || typeof next !== 'object') return node;
      node = next as Node;
    } else if (isSeq(node) && typeof key === 'number') {
      const next: unknown = node.get(key, true);
      if (!next || typeof next !== 'object') return node;
      node = next as Node;
    } else return node;
  }
  return node;
}

/** The categories as the widget offers them, in one language. */
export function topicsFor(config: DeskConfig, lang: Lang): Array<{ id: string; label: string }> {
  return config.categories.map((c) => ({ id: c.path, label: c.title[lang] }));
}
