/**
 * The `if` of routing rules and automation rules (`conditions` in src/core/deskConfig.ts): every
 * condition given must hold; an empty set of conditions always holds.
 *
 *   matchesConditions(rule.if, facts)   // facts: see RuleFacts; loadRuleFacts builds them
 *
 * Pure: the caller gathers the facts (ticket, customer, text, time) once and matches any number
 * of rules against them.
 */
import type { Channel, Priority } from '../../generated/prisma/enums.js';
import type { Conditions } from '../deskConfig.js';
import { isUnder } from './categorize.js';
import { StemmedText } from './keywords.js';

/** What rules look at. */
export interface RuleFacts {
  ticket: { channel: Channel; category: string | null; priority: Priority; tags: readonly string[] };
  /** The customer: tags, and free-form attributes such as { vip: true, plan: "gold" }. */
  contact: { tags: readonly string[]; attributes: Readonly<Record<string, unknown>> };
  /** The customer's text the rule reads: the first message when a ticket is created, else the message just received. */
  text: string;
  now: Date;
  /** Whether `now` is inside the business hours of `timers.calendar` (always true when no calendar is set). */
  businessHours: boolean;
  /** Whether the knowledge-base bot has the ticket: it answers it and the bot is on (else people have it). */
  bot: boolean;
}

const analysed = new WeakMap<RuleFacts, StemmedText>();

/** Whether every condition holds for these facts. */
export function matchesConditions(conditions: Conditions, facts: RuleFacts): boolean {
  const c = conditions;
  const t = facts.ticket;
  if (c.channel && !c.channel.includes(t.channel)) return false;
  if (c.category && !c.category.some((path) => isUnder(t.category, path))) return false;
  if (c.priority && !c.priority.includes(t.priority)) return false;
  if (c.tags) {
    const have = new Set([...t.tags, ...facts.contact.tags].map(fold));
    if (!c.tags.every((tag) => have.has(fold(tag)))) return false;
  }
  if (c.keywords) {
    let text = analysed.get(facts);
    if (!text) analysed.set(facts, (text = new StemmedText(facts.text)));
    if (!c.keywords.some((k) => text.has(k))) return false;
  }
  if (c.text) {
    const haystack = fold(facts.text);
    if (!c.text.some((s) => haystack.includes(fold(s)))) return false;
  }
  if (c.attributes) {
    for (const [key, want] of Object.entries(c.attributes)) {
      if (!sameValue(facts.contact.attributes[key], want)) return false;
    }
  }
  if (c.businessHours !== undefined && c.businessHours !== facts.businessHours) return false;
  if (c.bot !== undefined && c.bot !== facts.bot) return false;
  return true;
}

/** Case- and ё-insensitive form of a text. */
function fold(s: string): string {
  return s.toLocaleLowerCase('ru').replace(/ё/g, 'е');
}

/**
 * An attribute equals the rule's value. Imported customer data often has "true" or "42" as
 * strings, so a scalar matches its string form too ({vip: true} holds for vip: "true").
 */
function sameValue(have: unknown, want: string | number | boolean): boolean {
  if (have === want) return true;
  if (typeof have === 'string' || typeof have === 'number' || typeof have === 'boolean') return String(have).toLowerCase() === String(want).toLowerCase();
  return false;
}
