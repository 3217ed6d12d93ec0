/**
 * Everything the desk says to a customer goes through here: the message is committed to
 * PostgreSQL (state `queued`) and only then handed to the delivery queue. A crash between the
 * two loses nothing: the sweep finds the queued message and queues it again.
 */
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { DeliveryQueue } from './delivery/queue.js';
import type { EventBus } from './events.js';
import type { Attachment, Button } from './model.js';

export interface OutgoingMessage {
  authorKind: 'agent' | 'bot' | 'system' | 'note';
  authorName: string | null;
  agentId?: string | null;
  text: string;
  buttons?: Button[];
  attachments?: Attachment[];
}

export interface TicketTarget {
  id: string;
  number: number;
  conversationId: string;
  channel: Prisma.TicketGetPayload<object>['channel'];
}

export class Outbox {
  constructor(
    private readonly db: Db,
    private readonly queue: DeliveryQueue,
    private readonly events: EventBus,
  ) {}

  /**
   * Writes the message inside the caller's transaction. Call `dispatch` with the returned id
   * once the transaction has committed.
   */
  async write(tx: Prisma.TransactionClient, ticket: TicketTarget, msg: OutgoingMessage): Promise<string> {
    const internal = msg.authorKind === 'note';
    const row = await tx.message.create({
      data: {
        conversationId: ticket.conversationId,
        ticketId: ticket.id,
        channel: ticket.channel,
        direction: 'outbound',
        authorKind: msg.authorKind,
        authorName: msg.authorName,
        agentId: msg.agentId ?? null,
        text: msg.text,
        buttons: (msg.buttons ?? []) as unknown as Prisma.InputJsonValue,
        attachments: (msg.attachments ?? []) as unknown as Prisma.InputJsonValue,
        deliveryState: internal ? null : 'queued',
      },
      select: { id: true },
    });
    return row.id;
  }

  /** After commit: queue delivery (unless it is an internal note) and tell the listeners. */
  async dispatch(ticket: TicketTarget, messageId: string, msg: OutgoingMessage): Promise<void> {
    const internal = msg.authorKind === 'note';
    if (!internal) await this.queue.enqueue([messageId]);
    this.events.publish('message.created', {
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      conversationId: ticket.conversationId,
      channel: ticket.channel,
      messageId,
      authorKind: msg.authorKind,
      internal,
    });
  }

  /** Writes and dispatches in one go, for callers with no transaction of their own (bot, notifications). */
  async send(ticket: TicketTarget, msg: OutgoingMessage): Promise<string> {
    const id = await this.db.$transaction((tx) => this.write(tx, ticket, msg));
    await this.dispatch(ticket, id, msg);
    return id;
  }
}
