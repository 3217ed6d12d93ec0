/**
 * Routing: where a new ticket goes. When the customer did not pick a topic, the text picks the
 * category (stemmed keywords); the category brings its default team and priority; then the
 * first routing rule that matches (channel, category, keywords, text, tags, customer attributes)
 * sets the team, priority or category. The change is one TicketService.update by the system
 * actor "routing", so it is audited and announced like any other.
 */
import type { Db } from '../../db/prisma.js';
import type { Priority } from '../../generated/prisma/enums.js';
import type { DeskConfig } from '../deskConfig.js';
import type { DeskSettings } from '../deskSettings.js';
import type { Actor } from '../events.js';
import type { TicketPatch, TicketService } from '../tickets.js';
import { categorize, categoryDefaults } from './categorize.js';
import { matchesConditions, type RuleFacts } from './conditions.js';
import { loadRuleFacts } from './facts.js';
import { StemmedText } from './keywords.js';

export const ROUTING_ACTOR: Actor = { kind: 'system', name: 'routing' };

/** What routing decides for a ticket; each field only when it is decided. */
export interface RoutingDecision {
  category?: string;
  team?: string;
  priority?: Priority;
  /** The index of the routing rule that matched, if one did. */
  rule?: number;
}

/**
 * Pure: the routing of a ticket with these facts. A category the ticket already has (the
 * customer's topic) is kept unless a rule sets another.
 */
export function decideRouting(config: DeskConfig, facts: RuleFacts): RoutingDecision {
  const text = new StemmedText(facts.text);
  const picked = facts.ticket.category ?? categorize(text, config.categories);
  const first = categoryDefaults(picked, config.categories);
  const withCategory: RuleFacts = { ...facts, ticket: { ...facts.ticket, category: picked, priority: first.priority ?? facts.ticket.priority } };
  const rule = config.routing.findIndex((r) => matchesConditions(r.if, withCategory));
  const then = rule >= 0 ? config.routing[rule]!.then : {};
  const category = then.category ?? picked;
  const defaults = then.category ? categoryDefaults(category, config.categories) : first;
  const team = then.team ?? defaults.team;
  const priority = then.priority ?? defaults.priority;
  return {
    ...(category ? { category } : {}),
    ...(team ? { team } : {}),
    ...(priority ? { priority } : {}),
    ...(rule >= 0 ? { rule } : {}),
  };
}

export class TicketRouter {
  constructor(
    private readonly db: Db,
    private readonly tickets: TicketService,
    private readonly settings: DeskSettings,
    /** Whether the bot takes tickets at all (the `bot` condition). */
    private readonly botHandles: () => boolean,
  ) {}

  /** Routes a ticket (normally once, when it is created); returns what changed. */
  async route(ticketId: string, now = new Date()): Promise<TicketPatch> {
    const facts = await loadRuleFacts(this.db, ticketId, this.settings, { now, botHandles: this.botHandles });
    if (!facts) return {};
    const decision = decideRouting(this.settings.current, facts);
    const t = await this.db.ticket.findUnique({ where: { id: ticketId }, select: { number: true, category: true, priority: true, team: { select: { name: true } } } });
    if (!t) return {};
    const patch: TicketPatch = {};
    if (decision.category && decision.category !== t.category) patch.category = decision.category;
    // A team someone already set (an agent, automation) is not overridden.
    if (decision.team && !t.team) patch.team = decision.team;
    if (decision.priority && decision.priority !== t.priority) patch.priority = decision.priority;
    if (Object.keys(patch).length) await this.tickets.update(t.number, patch, ROUTING_ACTOR);
    return patch;
  }
}
