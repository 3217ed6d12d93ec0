/**
 * Domain events. The core publishes what happened; bots, desks, SLA timers, notifications and
 * reports subscribe. The core never imports any of them.
 *
 * Events are published after the database transaction commits, in the instance that made the
 * change. Listeners run asynchronously: a slow or failing listener never delays or breaks the
 * operation that published the event (its error is logged).
 */
import type { Logger } from '../logger.js';
import type { Channel } from './model.js';

export interface TicketRef {
  ticketId: string;
  ticketNumber: number;
  conversationId: string;
  channel: Channel;
}

export interface DomainEvents {
  /**
   * `origin` 'agent': an agent opened the ticket by writing to the customer first (src/core/outreach.ts):
   * assigned, the bot off, not routed; desks post its card at once. Absent: the customer wrote.
   */
  'ticket.created': TicketRef & { previousTicketId: string | null; origin?: 'customer' | 'agent' };
  /** `reason`: why the ticket was set pending (TicketPatch.reason), told to the customer. */
  'ticket.updated': TicketRef & { changes: Record<string, { from: unknown; to: unknown }>; actor: Actor; reason?: string };
  /** The bot gave the ticket to a person: desks notify agents. `reason` says why (asked_for_human, no_match, not_helpful …). */
  'ticket.handoff': TicketRef & { reason: string; actor: Actor };
  /** Reassign on silence: the assignee did not reply in time; the ticket went to `toAgentId`, or back to the queue (null). Desks tell the old assignee. */
  'ticket.reassigned': TicketRef & { fromAgentId: string; toAgentId: string | null; reason: 'silence' };
  /** A new ticket has been routed (category, team, priority set): automation's `ticket.created` rules run on this, so they see the routing. */
  'ticket.routed': TicketRef;
  /** Automation asks a desk to tell someone about a ticket: the ticket's team, the supervisor or the assignee. */
  'desk.notify': TicketRef & { target: 'team' | 'supervisor' | 'assignee'; message: string; rule: string };
  'message.received': TicketRef & { messageId: string; text: string; buttonId?: string; topic?: string };
  'message.created': TicketRef & { messageId: string; authorKind: string; internal: boolean };
  /** A customer edited a message; `previousText` is what it said before. */
  'message.edited': TicketRef & { messageId: string; editId: string; text: string; previousText: string; editedAt: Date };
  /** An agent edited a reply or a note (src/core/agentEdits.ts); `previousText` is what it said before. */
  'reply.edited': TicketRef & { messageId: string; editId: string; text: string; previousText: string; editedAt: Date; internal: boolean; actor: Actor };
  /** An agent's edit did not reach the customer (their channel cannot edit that message, or gave up): desks tell the agent. */
  'reply.edit_failed': TicketRef & { messageId: string; editId: string; agentId: string | null; reason: 'unsupported' | 'too_old' | 'failed'; error: string };
  'message.delivered': { messageId: string; channel: Channel };
  'message.failed': { messageId: string; channel: Channel; error: string };
  /** `timers.slaWarning` of an unmet SLA target has elapsed (src/core/timers): desks tell the assignee, or the team. */
  'sla.warning': TicketRef & { target: SlaTarget; dueAt: Date; assigneeId: string | null; teamId: string | null };
  /**
   * An SLA target was missed (src/core/timers): the ticket is now overdue, one priority step
   * higher and on the next support line (`toLine` equals `fromLine` at the last line). Desks tell the supervisor.
   */
  'sla.breached': TicketRef & { target: SlaTarget; dueAt: Date; fromLine: number; toLine: number; assigneeId: string | null; teamId: string | null };
  /** A pending (snoozed) ticket's `pendingUntil` came: it is open again, and desks remind the assignee. */
  'ticket.woke': TicketRef & { pendingUntil: Date; assigneeId: string | null };
  /** A customer rated a resolved ticket (CSAT, 1–5), by a survey button or a typed digit; `comment` is what they wrote after it. */
  'csat.rated': TicketRef & { messageId: string; score: number; comment: string | null };
  /** A rating of 2 or below (CSAT_LOW_SCORE): desks tell the team. */
  'csat.low': TicketRef & { messageId: string; score: number; comment: string | null };
}

/** The two SLA targets of a ticket. */
export type SlaTarget = 'firstResponse' | 'resolution';

/** Who did something: shown in the audit trail. */
export interface Actor {
  kind: 'customer' | 'agent' | 'bot' | 'system';
  name?: string | null;
  agentId?: string | null;
}

type Listener<K extends keyof DomainEvents> = (event: DomainEvents[K]) => unknown;

export class EventBus {
  private readonly listeners = new Map<keyof DomainEvents, Array<Listener<never>>>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly log: Logger) {}

  /** Subscribes to one event; returns the function that unsubscribes. */
  on<K extends keyof DomainEvents>(name: K, listener: Listener<K>): () => void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(name, list);
    return () => {
      const i = list.indexOf(listener as Listener<never>);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Publishes an event to every listener without waiting for them. */
  publish<K extends keyof DomainEvents>(name: K, event: DomainEvents[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      const run = Promise.resolve()
        .then(() => (listener as Listener<K>)(event))
        .catch((err: unknown) => this.log.error({ err, event: name }, 'event listener failed'));
      this.pending.add(run);
      void run.finally(() => this.pending.delete(run));
    }
  }

  /** Resolves once every listener started so far (and those they started) has finished. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}
