/**
 * Agent-initiated tickets ("write to the customer first"): an agent opens a ticket for a known
 * contact by writing to them, on a conversation the contact already has. Platforms do not let a
 * bot write to someone who never wrote to it (and the widget and the API channel need the
 * conversation's chat to address), so the ticket always lives in one of the contact's
 * conversations, like every other ticket.
 *
 * The rule of the whole product holds: one ticket per conversation that is not closed (the
 * partial unique index `Ticket_one_live_per_conversation`, and src/core/inbound.ts, where a
 * customer's message joins the conversation's ticket unless it is closed). So:
 * - a conversation whose ticket is new, open or pending refuses (OpenTicketExistsError, naming it):
 *   the agent should write in that ticket instead;
 * - a resolved ticket is closed first (audited, by the agent): the customer's next message would
 *   have reopened it, and now joins the new ticket instead, which follows the closed one up
 *   (`previousTicketId`), as a customer's message after a close does.
 *
 * The new ticket is `origin: agent`, assigned to the agent who writes, with the bot off
 * (`botActive` false: the bot never answers in it), and
 * - status `pending` (waiting for the customer, with no wake-up time): the model allows it (the
 *   timers auto-resolve such a ticket after `autoResolveAfter`, src/core/timers/plan.ts), the
 *   queue and pull never hand it out (they take new and open tickets), the SLA clock stands still
 *   while it waits, and the customer's answer makes it `open` through the usual path (inbound.ts).
 *   The `status_changed` new → pending entry written with it is what the SLA clock and the timers
 *   read the pending period from (src/core/sla/pauses.ts, timers/load.ts).
 * - no first-response SLA: the agent spoke first. `firstRespondedAt` is the creation instant and
 *   `firstResponseDueAt` stays null, so no code path (a priority change, leaving pending, the
 *   timers) ever plans or recomputes a first-response target for it; the reports leave these
 *   tickets out of first-response figures by `origin` (src/reports). The resolution target is set
 *   as for any ticket, when the desk's SLA policies give one.
 *
 * The agent's message is written through the Outbox in the ticket's transaction and queued for
 * delivery after it commits, as every reply is. Then the same events as for any new ticket:
 * `ticket.created` (with `origin: 'agent'`, so listeners that decide intake (routing, automatic
 * assignment, the desks' "post the card when the bot would not take it") can tell) and
 * `message.created`.
 */
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Channel, Priority, TicketStatus } from '../generated/prisma/enums.js';
import { audit } from './audit.js';
import { DeskSettings } from './deskSettings.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import type { Actor, EventBus } from './events.js';
import type { Attachment } from './model.js';
import type { Outbox, OutgoingMessage, TicketTarget } from './outbox.js';
import { categoryDefaults } from './routing/categorize.js';
import type { TicketService } from './tickets.js';
import { normalizeTags } from './tags.js';

export interface OutreachInput {
  contactId: string;
  /** The channel to write on: one the contact has a conversation on. Default: their most recently active conversation. */
  channel?: Channel;
  text: string;
  /** Stored files (`storedAttachment` in ./files.ts), sent after the text. */
  attachments?: Attachment[];
  /** Default: the start of the text. */
  subject?: string;
  /** Default: the category's, else normal. */
  priority?: Priority;
  category?: string | null;
  tags?: string[];
  /** The agent who writes (handle or email): the ticket is theirs. Without one it is unassigned and signed "Support". */
  agent?: string;
  /** Who to name in the audit trail when no agent writes (a console admin, the bearer token). */
  actorName?: string;
}

export interface OutreachResult {
  ticketId: string;
  ticketNumber: number;
  conversationId: string;
  channel: Channel;
  messageId: string;
  /** The resolved ticket of the conversation that was closed to make way, if any. */
  closedTicketNumber: number | null;
}

/** The conversation already has a ticket that is not done: write there instead. */
export class OpenTicketExistsError extends ConflictError {
  override name = 'OpenTicketExistsError';
  constructor(
    readonly ticketNumber: number,
    readonly status: TicketStatus,
  ) {
    super(`the customer's conversation already has ticket #${ticketNumber} (${status}): write in it instead`);
  }
}

/** The contact has no conversation on that channel (or none at all): there is nowhere to write. */
export class NoConversationError extends ValidationError {
  override name = 'NoConversationError';
}

/** The longest subject taken from the text (as for a customer's ticket, src/core/inbound.ts). */
const SUBJECT_LENGTH = 120;
/** The author name of a message sent with no agent named (as TicketService.reply). */
const DEFAULT_AGENT_NAME = 'Support';

export class Outreach {
  constructor(
    private readonly db: Db,
    private readonly tickets: Pick<TicketService, 'findAgent'>,
    private readonly outbox: Outbox,
    private readonly events: EventBus,
    private readonly settings: DeskSettings = new DeskSettings(),
  ) {}

  /** Opens an agent-initiated ticket and sends its first message; see the module comment for the rules. */
  async start(input: OutreachInput): Promise<OutreachResult> {
    const text = input.text.trim();
    if (!text) throw new ValidationError('text must not be empty', 'text');
    const agent = input.agent ? await this.tickets.findAgent(input.agent) : null;
    const actor: Actor = { kind: 'agent', name: agent?.name ?? input.actorName ?? DEFAULT_AGENT_NAME, agentId: agent?.id ?? null };

    const contact = await this.db.contact.findUnique({ where: { id: input.contactId }, select: { id: true } });
    if (!contact) throw new NotFoundError(`contact ${input.contactId} not found`);
    const conversation = await this.db.conversation.findFirst({
      where: { contactId: contact.id, ...(input.channel ? { channel: input.channel } : {}) },
      orderBy: [{ lastMessageAt: 'desc' }, { id: 'asc' }],
      select: { id: true, channel: true },
    });
    if (!conversation) {
      throw new NoConversationError(
        input.channel
          ? `the customer has never written on ${input.channel}: write to them on a channel they used`
          : 'the customer has no conversation on any channel yet',
        'channel',
      );
    }

    // What the agent decides; the rest as routing would (the category's team and priority).
    const config = this.settings.current;
    const category = input.category?.trim() || null;
    const defaults = categoryDefaults(category, config.categories);
    const priority = input.priority ?? defaults.priority ?? 'normal';
    const team = defaults.team ? await this.db.team.findUnique({ where: { name: defaults.team }, select: { id: true } }) : null;
    const tags = normalizeTags(input.tags ?? []);
    const subject = input.subject?.trim() || text.slice(0, SUBJECT_LENGTH);
    const now = new Date();
    // The resolution target only: the agent spoke first, there is no first response to wait for.
    const { resolutionDueAt } = this.settings.sla.dueTimes({ priority, category, openedAt: now });
    const slaPolicy = resolutionDueAt ? (this.settings.sla.policyFor(priority, category)?.name ?? null) : null;

    const outgoing: OutgoingMessage = {
      authorKind: 'agent',
      authorName: actor.name ?? null,
      agentId: agent?.id ?? null,
      text,
      ...(input.attachments?.length ? { attachments: input.attachments } : {}),
    };

    const result = await this.db.$transaction(async (tx) => {
      // The conversation's row lock, as the inbound pipeline takes it: a customer's message
      // arriving now waits, then joins whichever ticket is live.
      await tx.$queryRaw`SELECT "id" FROM "Conversation" WHERE "id" = ${conversation.id}::uuid FOR UPDATE`;
      // Locked too, so a concurrent change of its status (an agent reopening it) is seen as it ends.
      const [live] = await tx.$queryRaw<Array<{ id: string; number: number; status: TicketStatus }>>`
        SELECT "id", "number", "status" FROM "Ticket" WHERE "conversationId" = ${conversation.id}::uuid AND "status" <> 'closed' FOR UPDATE`;
      let closed: { id: string; number: number } | null = null;
      if (live && live.status !== 'resolved') throw new OpenTicketExistsError(live.number, live.status);
      if (live) {
        closed = { id: live.id, number: live.number };
        await closeResolved(tx, live.id, actor, now);
      }
      const previous = closed ?? (await tx.ticket.findFirst({ where: { conversationId: conversation.id, status: 'closed' }, orderBy: { number: 'desc' }, select: { id: true } }));
      const ticket = await tx.ticket.create({
        data: {
          conversationId: conversation.id,
          contactId: contact.id,
          channel: conversation.channel,
          subject,
          origin: 'agent',
          status: 'pending',
          priority,
          category,
          tags,
          assigneeId: agent?.id ?? null,
          assignedAt: agent ? now : null,
          teamId: team?.id ?? null,
          botActive: false,
          previousTicketId: previous?.id ?? null,
          openedAt: now,
          firstRespondedAt: now,
          lastAgentReplyAt: now,
          resolutionDueAt,
          slaPolicy,
        },
        select: { id: true, number: true, conversationId: true, channel: true },
      });
      await audit(tx, ticket.id, 'created', actor, {
        channel: conversation.channel,
        origin: 'agent',
        previousTicketId: previous?.id ?? null,
        ...(agent ? { assignee: agent.handle } : {}),
        ...(closed ? { closedTicketNumber: closed.number } : {}),
      });
      // Read by the SLA clock and the timers as the start of the pending period (see the module comment).
      await audit(tx, ticket.id, 'status_changed', actor, { from: 'new', to: 'pending' });
      const messageId = await this.outbox.write(tx, ticket, outgoing);
      return { ticket, messageId, closed, previousTicketId: previous?.id ?? null };
    });

    const { ticket, messageId, closed, previousTicketId } = result;
    if (closed) {
      this.events.publish('ticket.updated', {
        ticketId: closed.id,
        ticketNumber: closed.number,
        conversationId: ticket.conversationId,
        channel: ticket.channel,
        changes: { status: { from: 'resolved', to: 'closed' }, closedAt: { from: null, to: now } },
        actor,
      });
    }
    this.events.publish('ticket.created', { ...ref(ticket), previousTicketId, origin: 'agent' });
    await this.outbox.dispatch(ticket, messageId, outgoing);
    return {
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      conversationId: ticket.conversationId,
      channel: ticket.channel,
      messageId,
      closedTicketNumber: closed?.number ?? null,
    };
  }
}

/** Closes the conversation's resolved ticket (locked by the caller), audited as the agent's. */
async function closeResolved(tx: Prisma.TransactionClient, ticketId: string, actor: Actor, now: Date): Promise<void> {
  await tx.ticket.update({ where: { id: ticketId }, data: { status: 'closed', closedAt: now, overdue: false } });
  await audit(tx, ticketId, 'status_changed', actor, { from: 'resolved', to: 'closed', reason: 'the agent wrote to the customer in a new ticket' });
}

function ref(t: TicketTarget) {
  return { ticketId: t.id, ticketNumber: t.number, conversationId: t.conversationId, channel: t.channel };
}
