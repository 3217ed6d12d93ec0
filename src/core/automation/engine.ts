/**
 * Automation rules: when (a trigger) + if (conditions) → then (actions), declared in the desk
 * configuration (`automation`) and run in the order written.
 *
 * Triggers come from domain events: `ticket.created` runs once the new ticket is routed
 * (`ticket.routed`, so rules see its category, team and priority), `message.received` on each
 * customer message, `ticket.updated` on each change, `sla.warning` and `sla.breached` from the
 * timers; `pending` (with `for`) is a timer too (src/core/timers).
 *
 * Rules cannot loop: what a rule changes is done by an actor named "automation: <rule>", and
 * changes by that actor trigger no rules. One trigger runs each matching rule once, in order;
 * each rule sees the ticket as the rules before it left it.
 */
import type { Db } from '../../db/prisma.js';
import type { Logger } from '../../logger.js';
import type { AutomationRule } from '../deskConfig.js';
import type { DeskSettings } from '../deskSettings.js';
import type { Actor, EventBus, TicketRef } from '../events.js';
import { matchesConditions } from '../routing/conditions.js';
import { loadRuleFacts } from '../routing/facts.js';
import { runAction, type ActionDeps } from './actions.js';

export type Trigger = AutomationRule['when'];

const ACTOR_PREFIX = 'automation: ';

/** The actor of a rule's changes. */
export function automationActor(rule: string): Actor {
  return { kind: 'system', name: `${ACTOR_PREFIX}${rule}` };
}

/** Whether a change was made by a rule (and so must not trigger rules). */
export function isAutomation(actor: Actor): boolean {
  return actor.kind === 'system' && (actor.name ?? '').startsWith(ACTOR_PREFIX);
}

export interface AutomationDeps extends ActionDeps {
  db: Db;
  settings: DeskSettings;
  events: EventBus;
  log: Logger;
  /** Whether the bot takes tickets at all (the `bot` condition; the desks' predicate). */
  botHandles: () => boolean;
}

export class AutomationEngine {
  constructor(private readonly deps: AutomationDeps) {}

  /** Subscribes to the triggers; returns the function that unsubscribes. */
  start(): () => void {
    const { events } = this.deps;
    const stops = [
      events.on('ticket.routed', (e) => this.run('ticket.created', e)),
      events.on('message.received', (e) => this.run('message.received', e, e.text)),
      events.on('ticket.updated', (e) => (isAutomation(e.actor) ? undefined : this.run('ticket.updated', e))),
      events.on('sla.warning', (e) => this.run('sla.warning', e)),
      events.on('sla.breached', (e) => this.run('sla.breached', e)),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /**
   * Runs the rules of one trigger against a ticket; `text` is the customer's message the rules
   * read (default: the ticket's first message). Returns the names of the rules that fired.
   */
  async run(trigger: Trigger, ticket: TicketRef, text?: string, only?: (rule: AutomationRule) => boolean): Promise<string[]> {
    const { db, settings, log } = this.deps;
    const rules = settings.current.automation.filter((r) => r.when === trigger && (!only || only(r)));
    const fired: string[] = [];
    let facts: Awaited<ReturnType<typeof loadRuleFacts>> | undefined;
    for (const rule of rules) {
      // Read once, and again after a rule fired: its actions may have changed the ticket.
      facts ??= await loadRuleFacts(db, ticket.ticketId, settings, { botHandles: this.deps.botHandles, ...(text === undefined ? {} : { text }) });
      if (!facts || !matchesConditions(rule.if, facts)) continue;
      facts = undefined;
      fired.push(rule.name);
      log.info({ rule: rule.name, trigger, ticket: ticket.ticketNumber }, 'automation rule fired');
      for (const action of rule.then) {
        try {
          await runAction(this.deps, action, { rule: rule.name, trigger, ticket });
        } catch (err) {
          // One failing action (an agent who left, a closed ticket) must not stop the rest.
          log.warn({ err: (err as Error).message, rule: rule.name, action: Object.keys(action)[0], ticket: ticket.ticketNumber }, 'automation action failed');
        }
      }
    }
    return fired;
  }
}
