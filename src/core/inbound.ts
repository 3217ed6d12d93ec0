/**
 * The inbound pipeline: every adapter hands the core one normalized message, and this
 * stores it once and threads it into a conversation and a ticket.
 *
 * Threading rules:
 * - a message in a conversation whose ticket is not closed joins that ticket;
 * - a message on a resolved ticket reopens it (and a pending one goes back to open);
 * - after a ticket is closed, the next message opens a new ticket linked to the old one.
 * - except: an answer to the CSAT survey of a resolved or closed ticket (a rating button, "4 …")
 *   rates that ticket and changes nothing else (src/core/notify/csatReply.ts).
 *
 * Safety: the message's (channel, platform id) key makes redelivery harmless, and the
 * conversation row is locked for the transaction, so two first messages from one new
 * customer arriving at once still give one ticket (a partial unique index backs this up).
 *
 * Files that come with a message are fetched and stored before its transaction (a download
 * must not hold locks); customers' edits of their messages are recorded by `edit`.
 */
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { TicketStatus } from '../generated/prisma/enums.js';
import type { AttachmentKeeper } from './attachments.js';
import { resolveContact } from './contacts.js';
import { recordEdit } from './edits.js';
import type { EventBus } from './events.js';
import type { InboundEdit, InboundMessage } from './model.js';
import { audit } from './audit.js';
import { restartedDueTimes } from './sla/pauses.js';
import { DeskSettings } from './deskSettings.js';
import type { DueTimes, SlaClock } from './sla/policy.js';
import type { CapturedRating, CsatReplies } from './notify/csatReply.js';
import { logContext, withMessageContext } from '../observability/logContext.js';

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
    private readonly attachments: AttachmentKeeper,
    private readonly settings: DeskSettings = new DeskSettings(),
    /** Answers to CSAT surveys: a rating rates the resolved ticket instead of reopening it. */
    private readonly csat?: CsatReplies,
    /** True while the KB bot takes new tickets: their SLA clock starts when people get them (src/core/sla/pauses.ts). */
    private readonly botHandles: () => boolean = () => false,
  ) {}

  /**
   * Stores and threads one inbound message; idempotent per (channel, messageId). Downloadable
   * attachments are fetched and stored first, unless the message is already known.
   */
  async ingest(input: InboundMessage): Promise<IngestResult> {
    // Outside a request (long polling, the widget's WebSocket), the message names its own log context.
    if (!logContext().reqId) return withMessageContext(input, () => this.ingest(input));
    let msg = withoutNulChars(input);
    let fileIds: string[] = [];
    if (msg.attachments?.some((a) => a.download)) {
      // Redeliveries are common and downloads slow: never fetch the files of a message we have.
      const known = await this.findDuplicate(msg);
      if (known) return known;
      const kept = await this.attachments.keep(msg.attachments, { channel: msg.channel, messageId: msg.messageId });
      msg = { ...msg, attachments: kept.attachments };
      fileIds = kept.fileIds;
    }
    const sentAt = msg.sentAt ?? new Date();
    let stored: Stored | null;
    try {
      stored = (await appendToLiveTicket(this.db, msg, sentAt)) ?? (await this.ingestLocked(msg, sentAt));
    } catch (err) {
      // The platform will redeliver, and its files will be fetched again: drop this copy.
      if (fileIds.length) await this.attachments.discard(fileIds);
      throw err;
    }
    if (!stored) {
      // A redelivery stored the message first, with its own copy of the files.
      if (fileIds.length) await this.attachments.discard(fileIds);
      const dup = await this.findDuplicate(msg);
      if (!dup) throw new Error('message vanished after a duplicate insert');
      return dup;
    }

    const ref = { ticketId: stored.ticket.id, ticketNumber: stored.ticket.number, conversationId: stored.conversationId, channel: msg.channel };
    if (stored.rating) {
      // A survey answer, not a message for the bot or the desk: the rating's own events only.
      await this.csat?.announce(stored.rating);
      return { ...ref, messageId: stored.messageId, duplicate: false, ticketCreated: false };
    }
    if (stored.created) this.events.publish('ticket.created', { ...ref, previousTicketId: stored.previousTicketId });
    if (stored.changes) this.events.publish('ticket.updated', { ...ref, changes: stored.changes, actor: { kind: 'customer', name: msg.from.name ?? null } });
    this.events.publish('message.received', {
      ...ref,
      messageId: stored.messageId,
      text: msg.text,
      ...(msg.buttonId ? { buttonId: msg.buttonId } : {}),
      ...(msg.topic ? { topic: msg.topic } : {}),
    });
    return { ...ref, messageId: stored.messageId, duplicate: false, ticketCreated: stored.created };
  }

  /**
   * Every threading rule, under the conversation's row lock: creates the contact, conversation
   * and ticket as needed. Returns null when the message turns out to be stored already.
   */
  private async ingestLocked(msg: InboundMessage, sentAt: Date): Promise<Stored | null> {
    // Due times of the ticket this message may open (new tickets get the default priority),
    // computed outside the transaction so that no lock waits on calendar math. None while the bot
    // takes the ticket: the clock starts at the handoff.
    const bot = this.botHandles();
    const due = bot ? { firstResponseDueAt: null, resolutionDueAt: null } : this.settings.sla.dueTimes({ priority: 'normal', category: msg.topic ?? null, openedAt: sentAt });
    const slaPolicy = this.settings.sla.policyFor('normal', msg.topic ?? null)?.name ?? null;
    return this.db
      .$transaction(async (tx) => {
        const contactId = await resolveContact(tx, msg.channel, msg.from);
        const conversationId = await lockConversation(tx, msg, contactId, sentAt);
        // Under the conversation's lock a redelivery of this message is settled: checking here
        // (not before) means a duplicate never even draws a ticket number.
        const state = await conversationState(tx, conversationId, msg);
        if (state.duplicate) return null;
        const rated = await this.rateSurvey(tx, msg, conversationId, state, sentAt);
        if (rated) return rated;
        const threaded = await threadIntoTicket(tx, msg, conversationId, contactId, sentAt, state, { ...due, slaPolicy }, this.settings.sla, bot);
        const messageId = await insertMessage(tx, msg, conversationId, threaded.ticket.id, sentAt);
        // The unique key still guards a redelivery that came in through another conversation.
        if (!messageId) throw new DuplicateDelivery();
        // A new ticket got it at insert; timers (busy, auto-resolve) read when the customer last wrote.
        if (!threaded.created) {
          await tx.$executeRaw`UPDATE "Ticket" SET "lastCustomerMessageAt" = GREATEST("lastCustomerMessageAt", ${sentAt}) WHERE "id" = ${threaded.ticket.id}::uuid`;
        }
        return { ...threaded, conversationId, messageId };
      })
      .catch((err: unknown) => (err instanceof DuplicateDelivery ? null : Promise.reject(err)));
  }

  /**
   * A rating for the CSAT survey of the conversation's resolved ticket (or, when none is live, its
   * last closed one) is stored there and rates it, instead of reopening it or opening a new
   * ticket (src/core/notify/csatReply.ts). Open tickets never get here (the fast path), and a
   * message that cannot be a rating costs no query.
   */
  private async rateSurvey(tx: Prisma.TransactionClient, msg: InboundMessage, conversationId: string, state: ConversationState, sentAt: Date): Promise<Stored | null> {
    const surveyed = state.live ? (state.live.status === 'resolved' ? state.live.id : null) : state.lastClosedId;
    if (!this.csat || !surveyed || !this.csat.mayBeRating(msg)) return null;
    const rating = await this.csat.capture(tx, msg, surveyed, (ticketId) => insertMessage(tx, msg, conversationId, ticketId, sentAt));
    if (!rating) return null;
    return { ticket: { id: rating.ticket.id, number: rating.ticket.number }, created: false, previousTicketId: null, changes: null, conversationId, messageId: rating.messageId, rating };
  }

  /**
   * Records a customer's edit of an earlier message and announces it (`message.edited`).
   * False when the message is unknown; a repeated or outdated edit changes nothing.
   */
  async edit(input: InboundEdit): Promise<boolean> {
    const edit = withoutNulChars(input);
    const outcome = await recordEdit(this.db, edit);
    if (outcome.kind === 'unknown') return false;
    if (outcome.kind === 'edited' && outcome.ticket) {
      this.events.publish('message.edited', {
        ticketId: outcome.ticket.id,
        ticketNumber: outcome.ticket.number,
        conversationId: outcome.conversationId,
        channel: edit.channel,
        messageId: outcome.messageId,
        editId: outcome.editId,
        text: edit.text,
        previousText: outcome.previousText,
        editedAt: outcome.editedAt,
      });
    }
    return true;
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
 * PostgreSQL cannot store U+0000 in text, and a platform may still send it: drop it here, once,
 * for every channel (the HTTP edge rejects it with a 400 where a client can be told).
 */
function withoutNulChars<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\0') ? value.replaceAll('\0', '') : value) as T;
  if (Array.isArray(value)) return value.map(withoutNulChars) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNulChars(v)])) as T;
  }
  return value;
}

/**
 * The common case in one statement: a follow-up in a conversation whose ticket is new or open
 * just joins that ticket (and moves its lastCustomerMessageAt). `FOR NO KEY UPDATE` on the ticket
 * makes a concurrent status change (an agent resolving it) either wait for us or, if it won,
 * exclude the row, so the message never lands on a ticket that just left the open states. (Not
 * `FOR SHARE`: two messages of one ticket would both hold it and then deadlock upgrading it for
 * the ticket's update.) The conversation row is locked too, and first: the locked path below
 * takes the conversation and then the ticket, and the same order here keeps the two from
 * deadlocking. Anything else (first message, a resolved or pending
 * ticket, a redelivery) returns null and takes the locked path, which applies every rule.
 * It also keeps the contact's profile up to date as resolveContact would, in the same round trip.
 */
async function appendToLiveTicket(db: Db, msg: InboundMessage, sentAt: Date): Promise<Stored | null> {
  const from = msg.from;
  const rows = await db.$queryRaw<Array<{ messageId: string; conversationId: string; ticketId: string; number: number }>>`
    WITH target AS (
      SELECT c."id" AS "conversationId", t."id" AS "ticketId", t."number"
      FROM "Conversation" c
      JOIN "Ticket" t ON t."conversationId" = c."id" AND t."status" IN ('new', 'open')
      WHERE c."channel" = ${msg.channel}::"Channel" AND c."externalChatId" = ${msg.chatId}
      FOR NO KEY UPDATE OF c, t
    ), inserted AS (
      INSERT INTO "Message" ("id", "conversationId", "ticketId", "channel", "direction", "authorKind", "authorName", "text", "attachments", "platformMessageId", "sentAt", "replyToId")
      SELECT gen_random_uuid(), target."conversationId", target."ticketId", ${msg.channel}::"Channel", 'inbound', 'customer',
             ${authorName(msg)}, ${msg.text}, ${JSON.stringify(msg.attachments ?? [])}::jsonb, ${msg.messageId}, ${sentAt},
             (SELECT r."id" FROM "Message" r WHERE r."channel" = ${msg.channel}::"Channel" AND r."platformMessageId" = ${msg.replyToMessageId ?? null})
      FROM target
      ON CONFLICT ("channel", "platformMessageId") DO NOTHING
      RETURNING "id", "conversationId", "ticketId"
    ), touched AS (
      UPDATE "Conversation" SET "lastMessageAt" = GREATEST("lastMessageAt", ${sentAt})
      FROM inserted WHERE "Conversation"."id" = inserted."conversationId"
      RETURNING "Conversation"."contactId"
    ), answered AS (
      -- Timers (busy, auto-resolve) read when the customer last wrote.
      UPDATE "Ticket" SET "lastCustomerMessageAt" = GREATEST("Ticket"."lastCustomerMessageAt", ${sentAt})
      FROM inserted WHERE "Ticket"."id" = inserted."ticketId"
    ), filled AS (
      -- As resolveContact does: fill in what the contact lacks, never overwrite.
      UPDATE "Contact" SET "name" = COALESCE("Contact"."name", ${from.name ?? null}),
                           "email" = COALESCE("Contact"."email", ${from.email ?? null}),
                           "phone" = COALESCE("Contact"."phone", ${from.phone ?? null}),
                           "language" = COALESCE("Contact"."language", ${from.language ?? null}),
                           "updatedAt" = now()
      FROM touched WHERE "Contact"."id" = touched."contactId"
        AND (("Contact"."name" IS NULL AND ${from.name ?? null}::text IS NOT NULL)
          OR ("Contact"."email" IS NULL AND ${from.email ?? null}::text IS NOT NULL)
          OR ("Contact"."phone" IS NULL AND ${from.phone ?? null}::text IS NOT NULL)
          OR ("Contact"."language" IS NULL AND ${from.language ?? null}::text IS NOT NULL))
    ), renamed AS (
      UPDATE "ChannelIdentity" SET "username" = ${from.username ?? null}
      FROM inserted
      WHERE "ChannelIdentity"."channel" = ${msg.channel}::"Channel" AND "ChannelIdentity"."externalId" = ${from.id}
        AND ${from.username ?? null}::text IS NOT NULL AND "ChannelIdentity"."username" IS DISTINCT FROM ${from.username ?? null}
    )
    SELECT inserted."id" AS "messageId", inserted."conversationId", inserted."ticketId", target."number"
    FROM inserted JOIN target ON target."ticketId" = inserted."ticketId"`;
  const row = rows[0];
  if (!row) return null;
  return {
    ticket: { id: row.ticketId, number: row.number },
    created: false,
    previousTicketId: null,
    changes: null,
    conversationId: row.conversationId,
    messageId: row.messageId,
  };
}

function authorName(msg: InboundMessage): string | null {
  return msg.from.name ?? msg.from.username ?? null;
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

type LiveTicket = { id: string; number: number; status: TicketStatus };

/** What threading needs to know about a conversation, read under its lock. */
interface ConversationState {
  /** The ticket that is not closed, if any (at most one: a partial unique index). */
  live: LiveTicket | null;
  /** This platform message is already stored. */
  duplicate: boolean;
  /** The latest closed ticket: a new ticket links to it. */
  lastClosedId: string | null;
}

/** The conversation's live ticket, whether this message is already stored, and its last closed ticket. */
async function conversationState(tx: Prisma.TransactionClient, conversationId: string, msg: InboundMessage): Promise<ConversationState> {
  // A separate statement from the lock on purpose: it must see what the lock holder before us committed.
  const rows = await tx.$queryRaw<Array<{ id: string | null; number: number | null; status: TicketStatus | null; duplicate: boolean; lastClosedId: string | null }>>`
    SELECT t."id", t."number", t."status",
           EXISTS (SELECT 1 FROM "Message" m WHERE m."channel" = ${msg.channel}::"Channel" AND m."platformMessageId" = ${msg.messageId}) AS "duplicate",
           (SELECT c."id" FROM "Ticket" c WHERE c."conversationId" = ${conversationId}::uuid AND c."status" = 'closed'
            ORDER BY c."number" DESC LIMIT 1) AS "lastClosedId"
    FROM (SELECT 1) AS one
    LEFT JOIN "Ticket" t ON t."conversationId" = ${conversationId}::uuid AND t."status" <> 'closed'`;
  const row = rows[0];
  const live = row?.id && row.number !== null && row.status ? { id: row.id, number: row.number, status: row.status } : null;
  return { live, duplicate: row?.duplicate ?? false, lastClosedId: row?.lastClosedId ?? null };
}

/** Inserts the customer's message; returns its id, or null when its platform id is already stored. */
async function insertMessage(tx: Prisma.TransactionClient, msg: InboundMessage, conversationId: string, ticketId: string, sentAt: Date): Promise<string | null> {
  // Raw SQL on the hottest path: it skips the query compiler, which costs more CPU than the insert.
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    INSERT INTO "Message" ("id", "conversationId", "ticketId", "channel", "direction", "authorKind", "authorName", "text", "attachments", "platformMessageId", "sentAt", "replyToId")
    VALUES (gen_random_uuid(), ${conversationId}::uuid, ${ticketId}::uuid, ${msg.channel}::"Channel", 'inbound', 'customer',
            ${authorName(msg)}, ${msg.text}, ${JSON.stringify(msg.attachments ?? [])}::jsonb, ${msg.messageId}, ${sentAt},
            (SELECT r."id" FROM "Message" r WHERE r."channel" = ${msg.channel}::"Channel" AND r."platformMessageId" = ${msg.replyToMessageId ?? null}))
    ON CONFLICT ("channel", "platformMessageId") DO NOTHING
    RETURNING "id"`;
  return rows[0]?.id ?? null;
}

/** Thrown inside the transaction to roll back a message that turned out to be a redelivery. */
class DuplicateDelivery extends Error {}

/** A message stored and threaded: what the pipeline announces. */
type Stored = Threaded & { conversationId: string; messageId: string; rating?: CapturedRating };

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
  { live, lastClosedId }: ConversationState,
  due: DueTimes & { slaPolicy: string | null },
  sla: SlaClock,
  bot: boolean,
): Promise<Threaded> {
  const actor = { kind: 'customer' as const, name: msg.from.name ?? null };
  if (live) {
    if (live.status === 'resolved' || live.status === 'pending') {
      // The customer wrote again: a resolved ticket reopens, a pending one stops waiting.
      await tx.ticket.update({ where: { id: live.id }, data: { status: 'open', pendingUntil: null, resolvedAt: null } });
      await audit(tx, live.id, live.status === 'resolved' ? 'reopened' : 'status_changed', actor, { from: live.status, to: 'open' });
      // The clock runs again, unless the bot has the ticket back (then people's clock waits for the handoff).
      const due = await restartedDueTimes(tx, sla, live.id, { bot, now: new Date() });
      if (Object.keys(due).length) await tx.ticket.update({ where: { id: live.id }, data: due });
      return { ticket: live, created: false, previousTicketId: null, changes: { status: { from: live.status, to: 'open' } } };
    }
    return { ticket: live, created: false, previousTicketId: null, changes: null };
  }
  // The ticket and its "created" audit entry in one statement: every new conversation comes through here.
  const data = JSON.stringify({ channel: msg.channel, previousTicketId: lastClosedId });
  const rows = await tx.$queryRaw<Array<{ id: string; number: number }>>`
    WITH ticket AS (
      INSERT INTO "Ticket" ("id", "conversationId", "contactId", "channel", "subject", "category", "openedAt", "previousTicketId", "updatedAt",
                            "firstResponseDueAt", "resolutionDueAt", "slaPolicy", "lastCustomerMessageAt")
      VALUES (gen_random_uuid(), ${conversationId}::uuid, ${contactId}::uuid, ${msg.channel}::"Channel", ${msg.text.slice(0, SUBJECT_LENGTH) || null},
              ${msg.topic ?? null}, ${sentAt}, ${lastClosedId}::uuid, now(), ${due.firstResponseDueAt}, ${due.resolutionDueAt}, ${due.slaPolicy}, ${sentAt})
      RETURNING "id", "number"
    ), created AS (
      INSERT INTO "TicketEvent" ("id", "ticketId", "type", "actorKind", "actorName", "data")
      SELECT gen_random_uuid(), ticket."id", 'created', ${actor.kind}, ${actor.name}, ${data}::jsonb FROM ticket
    )
    SELECT "id", "number" FROM ticket`;
  const ticket = rows[0];
  if (!ticket) throw new Error('ticket insert returned no row');
  return { ticket, created: true, previousTicketId: lastClosedId, changes: null };
}

