/**
 * Everything the desk says to a customer goes through here: the message is committed to
 * PostgreSQL (state `queued`) and only then handed to the delivery queue. A crash between the
 * two loses nothing: the sweep finds the queued message and queues it again.
 *
 * A message the customer already has (an agent wrote it on the customer's own platform, e.g. in
 * a shared Slack channel) is `delivered`: stored as `sent` with the platform's id, never queued.
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
  /** Already on the customer's platform: record it as sent, do not deliver it (again). */
  delivered?: DeliveredOnPlatform;
}

/** Where and when a message was written on the customer's platform, by someone other than us. */
export interface DeliveredOnPlatform {
  /** The platform's message id: unique per channel, as for inbound messages, so a redelivery is caught. */
  platformMessageId: string;
  /** When the platform says it was written. */
  sentAt: Date;
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
    const delivered = internal ? undefined : msg.delivered;
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
        deliveryState: internal ? null : delivered ? 'sent' : 'queued',
        ...(delivered ? { platformMessageId: delivered.platformMessageId, sentAt: delivered.sentAt, deliveredAt: new Date() } : {}),
      },
      select: { id: true },
    });
    return row.id;
  }

  /**
   * After commit: queue delivery (unless it is an internal note or already delivered) and tell
   * the listeners; desks mirror a delivered message like any other.
   */
  async dispatch(ticket: TicketTarget, messageId: string, msg: OutgoingMessage): Promise<void> {
    const internal = msg.authorKind === 'note';
    if (!internal && !msg.delivered) await this.queue.enqueue([messageId]);
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
