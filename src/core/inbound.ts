/**
 * The inbound pipeline: every adapter hands the core one normalized message, and this
 * stores it once and threads it into a conversation and a ticket.
 *
 * Threading rules:
 * - a message in a conversation whose ticket is not closed joins that ticket;
 * - a message on a resolved ticket reopens it (and a pending one goes back to open);
 * - after a ticket is closed, the next message opens a new ticket linked to the old one.
 *
 * Safety: the message's (channel, platform id) key makes redelivery harmless, and the
 * conversation row is locked for the transaction, so two first messages from one new
 * customer arriving at once still give one ticket (a partial unique index backs this up).
 */
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import { resolveContact } from './contacts.js';
import type { EventBus } from './events.js';
import type { InboundMessage } from './model.js';
import { audit } from './audit.js';

export interface IngestResult {
  ticketId: string;
  ticketNumber: number;
  conversationId: string;
  messageId: string;
  /** True when this platform message was already stored: nothing new happened. */
  duplicate: boolean;
  ticketCreated: boolean;
}

const SUBJECT_LENGTH = 120;

export class InboundPipeline {
  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
  ) {}

  /** Stores and threads one inbound message; idempotent per (channel, messageId). */
  async ingest(msg: InboundMessage): Promise<IngestResult> {
    const known = await this.findDuplicate(msg);
    if (known) return known;

    const contactId = await resolveContact(this.db, msg.channel, msg.from);
    const sentAt = msg.sentAt ?? new Date();
    const result = await this.db.$transaction(async (tx) => {
      const conversationId = await lockConversation(tx, msg, contactId, sentAt);
      const inserted = await tx.message.createManyAndReturn({
        data: [
          {
            conversationId,
            channel: msg.channel,
            direction: 'inbound',
            authorKind: 'customer',
            authorName: msg.from.name ?? msg.from.username ?? null,
            text: msg.text,
            attachments: (msg.attachments ?? []) as unknown as Prisma.InputJsonValue,
            platformMessageId: msg.messageId,
            sentAt,
          },
        ],
        skipDuplicates: true,
        select: { id: true },
      });
      const messageId = inserted[0]?.id;
      if (!messageId) return null; // a concurrent delivery of the same message got here first
      const threaded = await threadIntoTicket(tx, msg, conversationId, contactId, sentAt);
      await tx.message.update({ where: { id: messageId }, data: { ticketId: threaded.ticket.id } });
      return { ...threaded, conversationId, messageId };
    });
    if (!result) {
      const dup = await this.findDuplicate(msg);
      if (!dup) throw new Error('message vanished after a duplicate insert');
      return dup;
    }

    const ref = { ticketId: result.ticket.id, ticketNumber: result.ticket.number, conversationId: result.conversationId, channel: msg.channel };
    if (result.created) this.events.publish('ticket.created', { ...ref, previousTicketId: result.previousTicketId });
    if (result.changes) this.events.publish('ticket.updated', { ...ref, changes: result.changes, actor: { kind: 'customer', name: msg.from.name ?? null } });
    this.events.publish('message.received', {
      ...ref,
      messageId: result.messageId,
      text: msg.text,
      ...(msg.buttonId ? { buttonId: msg.buttonId } : {}),
      ...(msg.topic ? { topic: msg.topic } : {}),
    });
    return { ...ref, messageId: result.messageId, duplicate: false, ticketCreated: result.created };
  }

  private async findDuplicate(msg: InboundMessage): Promise<IngestResult | null> {
    const found = await this.db.message.findUnique({
      where: { channel_platformMessageId: { channel: msg.channel, platformMessageId: msg.messageId } },
      select: { id: true, conversationId: true, ticket: { select: { id: true, number: true } } },
    });
    if (!found?.ticket) return null;
    return {
      ticketId: found.ticket.id,
      ticketNumber: found.ticket.number,
      conversationId: found.conversationId,
      messageId: found.id,
      duplicate: true,
      ticketCreated: false,
    };
  }
}

/**
 * Finds or creates the conversation and takes its row lock until the transaction ends, so
 * messages of one conversation are threaded one at a time.
 */
async function lockConversation(tx: Prisma.TransactionClient, msg: InboundMessage, contactId: string, sentAt: Date): Promise<string> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    INSERT INTO "Conversation" ("id", "channel", "externalChatId", "contactId", "lastMessageAt")
    VALUES (gen_random_uuid(), ${msg.channel}::"Channel", ${msg.chatId}, ${contactId}::uuid, ${sentAt})
    ON CONFLICT ("channel", "externalChatId")
    DO UPDATE SET "lastMessageAt" = GREATEST("Conversation"."lastMessageAt", EXCLUDED."lastMessageAt")
    RETURNING "id"`;
  const id = rows[0]?.id;
  if (!id) throw new Error('conversation upsert returned no row');
  return id;
}

interface Threaded {
  ticket: { id: string; number: number };
  created: boolean;
  previousTicketId: string | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
}

async function threadIntoTicket(
  tx: Prisma.TransactionClient,
  msg: InboundMessage,
  conversationId: string,
  contactId: string,
  sentAt: Date,
): Promise<Threaded> {
  const live = await tx.ticket.findFirst({
    where: { conversationId, status: { not: 'closed' } },
    select: { id: true, number: true, status: true },
  });
  const actor = { kind: 'customer' as const, name: msg.from.name ?? null };
  if (live) {
    if (live.status === 'resolved' || live.status === 'pending') {
      // The customer wrote again: a resolved ticket reopens, a pending one stops waiting.
      await tx.ticket.update({ where: { id: live.id }, data: { status: 'open', pendingUntil: null, resolvedAt: null } });
      await audit(tx, live.id, live.status === 'resolved' ? 'reopened' : 'status_changed', actor, { from: live.status, to: 'open' });
      return { ticket: live, created: false, previousTicketId: null, changes: { status: { from: live.status, to: 'open' } } };
    }
    return { ticket: live, created: false, previousTicketId: null, changes: null };
  }
  const previous = await tx.ticket.findFirst({
    where: { conversationId, status: 'closed' },
    orderBy: { number: 'desc' },
    select: { id: true },
  });
  const ticket = await tx.ticket.create({
    data: {
      conversationId,
      contactId,
      channel: msg.channel,
      subject: msg.text.slice(0, SUBJECT_LENGTH) || null,
      category: msg.topic ?? null,
      openedAt: sentAt,
      previousTicketId: previous?.id ?? null,
    },
    select: { id: true, number: true },
  });
  await audit(tx, ticket.id, 'created', actor, { channel: msg.channel, previousTicketId: previous?.id ?? null });
  return { ticket, created: true, previousTicketId: previous?.id ?? null, changes: null };
}
