/**
 * The desk configuration file (DESK_CONFIG, YAML). Validated at start: an error names the
 * line and the problem.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { BusinessCalendar } from './sla/calendar.js';

const localized = z.object({ ru: z.string().min(1), en: z.string().min(1) });

/** A category path: "delivery", "Техподдержка/Оборудование/Принтеры" (a path covers its subcategories). */
const categoryPath = z.string().regex(/^[\p{L}\p{N}_-]+(\/[\p{L}\p{N}_-]+)*$/u, 'a path like "support/hardware" (letters, digits, _ and -, parts joined by /)');

/** A customer-facing text in both languages; placeholders like {{ticket.number}} are filled in when sent. */
const template = localized;

/** The ticket priorities, lowest first (as in prisma/schema.prisma). */
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

const HOUR_MS = 3_600_000;
const UNIT_MS: Record<string, number> = { d: 24 * HOUR_MS, h: HOUR_MS, m: 60_000, s: 1000 };

/**
 * A business-time duration: "90m", "3h", "1h30m", "2d" (d = 24 hours of business time, not a
 * calendar day and not one working day); "s" (seconds) exists for tests. Parsed into milliseconds.
 */
const duration = z
  .string()
  .regex(/^\s*(\d+\s*[dhms]\s*)+$/, 'a duration like "3h", "90m", "1h30m" or "2d" (d = 24 business hours)')
  .transform((text) => [...text.matchAll(/(\d+)\s*([dhms])/g)].reduce((sum, m) => sum + Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0), 0))
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

const name = z.string().regex(/^[\p{L}\p{N}_.-]+$/u, 'a name of letters, digits, _, . and -');
const line = z.number().int().min(1).max(3);
const priority = z.enum(PRIORITIES);
const channels = z.array(z.enum(['widget', 'api', 'telegram', 'vk', 'whatsapp', 'slack']));

const category = z.object({
  path: categoryPath,
  title: localized,
  /** Words that put a ticket in this category when the customer did not pick one (stemmed, ru and en). */
  keywords: z.array(z.string().min(1)).default([]),
  /** The team tickets of this category go to, unless a routing rule says otherwise. */
  team: name.optional(),
  priority: priority.optional(),
});

/** Where a desk notification goes: a Slack channel and/or a Telegram chat. */
const deskTarget = z.object({ slackChannel: z.string().min(1).optional(), telegramChatId: z.string().min(1).optional() });

const team = deskTarget.extend({
  name,
  /** Support line: escalation moves a ticket to a team of the next line. */
  line: line.default(1),
  /** round-robin among available members with free capacity; least-loaded (fewest open tickets); pool (agents pull with "next"). */
  strategy: z.enum(['round-robin', 'least-loaded', 'pool']).default('round-robin'),
  /** Reassign on silence: an assignee who has not replied within this (wall-clock) time loses the ticket. */
  reassignAfter: duration.optional(),
});

const absence = z.object({
  from: z.union([z.string(), z.date()]).pipe(z.coerce.date()),
  to: z.union([z.string(), z.date()]).pipe(z.coerce.date()),
  reason: z.string().optional(),
});

const agent = z.object({
  handle: name,
  name: z.string().min(1),
  email: z.email().optional(),
  slackUserId: z.string().min(1).optional(),
  telegramUserId: z.union([z.string(), z.number()]).transform(String).optional(),
  teams: z.array(name).default([]),
  /** Categories the agent handles (a path covers its subcategories); none means all. */
  skills: z.array(categoryPath).default([]),
  line: line.default(1),
  /** Maximum open tickets at once; none means no limit. */
  capacity: z.number().int().positive().optional(),
  availability: z.enum(['online', 'away', 'offline']).default('online'),
  absences: z.array(absence).default([]),
});

/** Conditions shared by routing rules and automation rules; every condition given must hold. */
const conditions = z.object({
  channel: channels.optional(),
  /** The ticket's category is one of these or under one of them. */
  category: z.array(categoryPath).optional(),
  priority: z.array(priority).optional(),
  /** The ticket or the customer has every one of these tags. */
  tags: z.array(z.string().min(1)).optional(),
  /** The customer's message contains one of these words (stemmed, ru and en). */
  keywords: z.array(z.string().min(1)).optional(),
  /** The customer's message contains one of these substrings (case-insensitive). */
  text: z.array(z.string().min(1)).optional(),
  /** Customer attributes that must be equal: { vip: true, plan: "gold" }. */
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** true: only inside the business hours of `timers.calendar`; false: only outside them. */
  businessHours: z.boolean().optional(),
  /**
   * true: only while the knowledge-base bot has the ticket (it answers the customer); false: only
   * once people have it (the bot handed over, stays out, or is off).
   */
  bot: z.boolean().optional(),
});

const routingRule = z.object({
  if: conditions,
  then: z.object({ team: name.optional(), priority: priority.optional(), category: categoryPath.optional() }).refine((t) => Object.keys(t).length > 0, 'a routing rule must set team, priority or category'),
});

/** One automation action. Exactly one key per item, run in the order written. */
const action = z.union([
  z.object({ setPriority: priority }).strict(),
  z.object({ setCategory: categoryPath }).strict(),
  z.object({ setTeam: name }).strict(),
  z.object({ addTags: z.array(z.string().min(1)) }).strict(),
  z.object({ removeTags: z.array(z.string().min(1)) }).strict(),
  /** An agent's handle, or "auto" for the team's assignment strategy. */
  z.object({ assign: z.string().min(1) }).strict(),
  /** Sends a canned response (its shortcut) to the customer. */
  z.object({ reply: z.string().min(1) }).strict(),
  /** Notifies a desk: "team" (the ticket's team), "supervisor" or "assignee", with an optional message. */
  z.object({ notify: z.enum(['team', 'supervisor', 'assignee']), message: z.string().optional() }).strict(),
  /** POSTs the ticket as JSON, signed with AUTOMATION_WEBHOOK_SECRET (X-Omnidesk-Signature). */
  z.object({ webhook: z.url() }).strict(),
  z.object({ escalate: z.literal(true) }).strict(),
]);

const automationRule = z.object({
  name: z.string().min(1),
  /** ticket.created, message.received, ticket.updated, sla.warning, sla.breached, or "pending" with `for`. */
  when: z.enum(['ticket.created', 'message.received', 'ticket.updated', 'sla.warning', 'sla.breached', 'pending']),
  /** With when: pending: how long the ticket has been pending (wall clock), e.g. "2d". */
  for: duration.optional(),
  if: conditions.default({}),
  then: z.array(action).min(1),
});

const canned = z.object({
  /** Typed as `!shortcut` in a desk thread. */
  shortcut: z.string().regex(/^[\p{L}\p{N}_-]+$/u, 'letters, digits, _ and -'),
  title: z.string().min(1).optional(),
  /** The reply; placeholders: {{customer.name}}, {{agent.name}}, {{ticket.number}}. One text, or one per language. */
  text: z.union([z.string().min(1), localized]),
});

const timers = z.object({
  /** SLA warning at this share of a target (0.75 = when 75 % of the time is used). */
  slaWarning: z.number().gt(0).lt(1).default(0.75),
  /** "We are busy": tell the customer their request is queued when nobody answered within this time. */
  busyAfter: duration.optional(),
  /** Resolve a ticket when the customer has not replied for this long after an agent's reply, or while pending. */
  autoResolveAfter: duration.optional(),
  /** Ask for a CSAT rating this long after a ticket is resolved; "0m" is not allowed, leave it out to never ask. */
  csatAfter: duration.optional(),
  /** The calendar of "when does the desk open" (busy messages, business-hours conditions). */
  calendar: z.string().min(1).optional(),
});

/** Customer notification templates; each falls back to the built-in text (src/core/notify) when left out. */
const notifications = z
  .object({
    taken: template.optional(),
    pending: template.optional(),
    resolved: template.optional(),
    busy: template.optional(),
    busyClosed: template.optional(),
    autoResolved: template.optional(),
    csat: template.optional(),
    csatThanks: template.optional(),
  })
  .default({});

const schema = z
  .object({
    categories: z.array(category).default([]),
    calendars: z.record(z.string().min(1), calendar).default({}),
    sla: z.array(slaPolicy).default([]),
    teams: z.array(team).default([]),
    agents: z.array(agent).default([]),
    routing: z.array(routingRule).default([]),
    automation: z.array(automationRule).default([]),
    canned: z.array(canned).default([]),
    timers: timers.default({ slaWarning: 0.75 }),
    notifications,
    /** Where SLA breaches and escalations are reported. */
    supervisor: deskTarget.optional(),
  })
  .superRefine((desk, ctx) => {
    const teams = new Set(desk.teams.map((t) => t.name));
    const paths = new Set(desk.categories.map((c) => c.path));
    const shortcuts = new Set(desk.canned.map((c) => c.shortcut));
    const unknown = (path: PropertyKey[], what: string, value: string, known: Set<string>) =>
      ctx.addIssue({ code: 'custom', path, message: `unknown ${what} "${value}" (${known.size ? `declared: ${[...known].join(', ')}` : `no ${what} is declared`})` });
    const checkCategory = (path: PropertyKey[], value: string) => {
      // A path under a declared category is fine ("support/hardware" under "support").
      if (![...paths].some((p) => value === p || value.startsWith(`${p}/`))) unknown(path, 'category', value, paths);
    };
    const duplicates = (list: string[], path: string, what: string) => {
      const seen = new Set<string>();
      list.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [path, i], message: `a second ${what} "${v}"` });
        seen.add(v);
      });
    };
    duplicates(desk.teams.map((t) => t.name), 'teams', 'team');
    duplicates(desk.agents.map((a) => a.handle), 'agents', 'agent');
    duplicates(desk.categories.map((c) => c.path), 'categories', 'category');
    duplicates(desk.canned.map((c) => c.shortcut), 'canned', 'shortcut');
    desk.categories.forEach((c, i) => {
      if (c.team && !teams.has(c.team)) unknown(['categories', i, 'team'], 'team', c.team, teams);
    });
    desk.agents.forEach((a, i) => {
      a.teams.forEach((t, j) => teams.has(t) || unknown(['agents', i, 'teams', j], 'team', t, teams));
      a.skills.forEach((s, j) => checkCategory(['agents', i, 'skills', j], s));
      a.absences.forEach((p, j) => {
        if (!(p.to > p.from)) ctx.addIssue({ code: 'custom', path: ['agents', i, 'absences', j], message: 'an absence must end after it starts' });
      });
    });
    desk.routing.forEach((r, i) => {
      if (r.then.team && !teams.has(r.then.team)) unknown(['routing', i, 'then', 'team'], 'team', r.then.team, teams);
      if (r.then.category) checkCategory(['routing', i, 'then', 'category'], r.then.category);
    });
    desk.automation.forEach((r, i) => {
      if (r.when === 'pending' && r.for === undefined) ctx.addIssue({ code: 'custom', path: ['automation', i, 'for'], message: 'a "pending" rule needs `for`, e.g. "2d"' });
      r.then.forEach((a, j) => {
        if ('setTeam' in a && !teams.has(a.setTeam)) unknown(['automation', i, 'then', j, 'setTeam'], 'team', a.setTeam, teams);
        if ('setCategory' in a) checkCategory(['automation', i, 'then', j, 'setCategory'], a.setCategory);
        if ('reply' in a && !shortcuts.has(a.reply)) unknown(['automation', i, 'then', j, 'reply'], 'canned response', a.reply, shortcuts);
        if ('assign' in a && a.assign !== 'auto' && !desk.agents.some((x) => x.handle === a.assign.replace(/^@/, ''))) {
          unknown(['automation', i, 'then', j, 'assign'], 'agent', a.assign, new Set(desk.agents.map((x) => x.handle)));
        }
      });
    });
    if (desk.timers.calendar !== undefined && !Object.hasOwn(desk.calendars, desk.timers.calendar)) {
      unknown(['timers', 'calendar'], 'calendar', desk.timers.calendar, new Set(Object.keys(desk.calendars)));
    }
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
/** The validated file. */
export type DeskConfig = ParsedDesk;
export type TeamConfig = ParsedDesk['teams'][number];
export type AgentConfig = ParsedDesk['agents'][number];
export type CategoryConfig = ParsedDesk['categories'][number];
export type Conditions = z.infer<typeof conditions>;
export type RoutingRule = ParsedDesk['routing'][number];
export type AutomationRule = ParsedDesk['automation'][number];
export type AutomationAction = AutomationRule['then'][number];
export type CannedResponse = ParsedDesk['canned'][number];
export type NotificationKind = keyof ParsedDesk['notifications'];
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

/** A desk configuration with nothing declared: what code and tests use when no file is given. */
export function emptyDeskConfig(): DeskConfig {
  return parseDeskConfig('{}', 'empty');
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

/** What channel adapters need of the configuration: the topics customers pick from. */
export interface DeskTopics {
  categories: ReadonlyArray<Pick<CategoryConfig, 'path' | 'title'>>;
}

/**
 * Whether `path` is a category of the configuration: a declared one, or a path under one
 * ("support/hardware" under "support"), as the configuration's own references are checked.
 */
export function isKnownCategory(config: Pick<DeskTopics, 'categories'>, path: string): boolean {
  return config.categories.some((c) => path === c.path || path.startsWith(`${c.path}/`));
}

/** The categories as the widget offers them, in one language. */
export function topicsFor(config: DeskTopics, lang: Lang): Array<{ id: string; label: string }> {
  return config.categories.map((c) => ({ id: c.path, label: c.title[lang] }));
}
