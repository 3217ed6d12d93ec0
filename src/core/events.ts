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
  'ticket.created': TicketRef & { previousTicketId: string | null };
  'ticket.updated': TicketRef & { changes: Record<string, { from: unknown; to: unknown }>; actor: Actor };
  /** The bot gave the ticket to a person: desks notify agents. `reason` says why (asked_for_human, no_match, not_helpful …). */
  'ticket.handoff': TicketRef & { reason: string; actor: Actor };
  'message.received': TicketRef & { messageId: string; text: string; buttonId?: string; topic?: string };
  'message.created': TicketRef & { messageId: string; authorKind: string; internal: boolean };
  /** A customer edited a message; `previousText` is what it said before. */
  'message.edited': TicketRef & { messageId: string; text: string; previousText: string; editedAt: Date };
  'message.delivered': { messageId: string; channel: Channel };
  'message.failed': { messageId: string; channel: Channel; error: string };
}

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
