/**
 * Ticket operations: what an agent does to a ticket. The REST API, the Slack desk and the
 * Telegram desk all call these, so first-response times, SLA and reports come out the same
 * whichever desk was used.
 */
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Priority, TicketStatus } from '../generated/prisma/enums.js';
import { audit } from './audit.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import type { Actor, EventBus } from './events.js';
import type { Attachment } from './model.js';
import type { DeliveredOnPlatform, Outbox, OutgoingMessage, TicketTarget } from './outbox.js';
import { handToPeople } from './handoff.js';
import { botHolds, clockPauses, unmetDueTimes } from './sla/pauses.js';
import { normalizeTags } from './tags.js';
import { DeskSettings } from './deskSettings.js';

export interface ReplyInput {
  text: string;
  /** An internal note: stored and shown to agents, never sent to the customer. */
  internal?: boolean;
  /** The agent's handle or email; unknown agents are refused. */
  agent?: string;
  /** Files sent after the text (stored files: `storedAttachment` in ./files.ts). */
  attachments?: Attachment[];
  /**
   * The agent wrote the reply on the customer's platform itself (./platformReplies.ts): it is
   * recorded as sent, not delivered again, and counts from the platform's time. A platform id
   * already stored records nothing (`duplicate`), so a redelivered event is one reply.
   */
  delivered?: DeliveredOnPlatform;
}

export interface TicketPatch {
  status?: TicketStatus;
  pendingUntil?: Date | null;
  priority?: Priority;
  tags?: string[];
  category?: string | null;
  /** Agent handle or email, or null to unassign. */
  assignee?: string | null;
  /** Team name, or null. */
  team?: string | null;
  /** Support line: 1, 2 or 3 (escalation raises it). */
  line?: number;
  /**
   * Hand the ticket back to the bot (true) or take it from the bot (false). Resolving a ticket
   * hands it back too, unless the patch says otherwise: a customer who writes again later
   * usually has a fresh question the bot may answer.
   */
  botActive?: boolean;
  /**
   * Why the ticket is set pending ("waiting for your order number"): kept in the audit entry,
   * carried in `ticket.updated`, and told to the customer (src/core/notify). Only with status "pending".
   */
  reason?: string;
}

/** The longest pending reason kept. */
const MAX_REASON_LENGTH = 500;

type Changes = Record<string, { from: unknown; to: unknown }>;

export interface UpdateOptions {
  /** Apply only while the ticket has no assignee (checked under the row lock), else ConflictError. */
  ifUnassigned?: boolean;
  /**
   * Decides the assignee inside the update's transaction, after the ticket's row lock: it may take
   * further locks (a team's advisory lock), read with `tx` only, and return the agent, null to
   * unassign, or undefined to keep what the patch says. Throwing (e.g. ConflictError) changes
   * nothing. Automatic assignment uses it, so choosing an agent and assigning are one atomic step.
   */
  chooseAssignee?: (tx: Prisma.TransactionClient, ticket: LockedTicket) => Promise<{ id: string } | null | undefined>;
  /**
   * Leave the due times as they are even when the priority or category changes: an SLA breach's
   * own priority raise must not move the deadline it missed (else it re-breaches at once).
   */
  keepDueTimes?: boolean;
  /**
   * Runs first, right after the row lock, in the update's transaction: false changes nothing (and
   * `update` returns false). Timers check here that they still apply, and write their marks and
   * customer messages, so the change, the mark and the message commit together or not at all.
   */
  guard?: (tx: Prisma.TransactionClient, ticket: LockedTicket) => Promise<boolean>;
}

/** The highest support line. */
export const MAX_LINE = 3;

/** The author name used for replies sent with no agent named. */
const DEFAULT_AGENT_NAME = 'Support';

export class TicketService {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly events: EventBus,
    private readonly settings: DeskSettings = new DeskSettings(),
    /** True while the KB bot takes new tickets: a ticket's SLA clock then starts when people get it (./sla/pauses.ts). */
    private readonly botHandles: () => boolean = () => false,
  ) {}

  /** Finds an agent by handle or email, or refuses naming the field. */
  async findAgent(ref: string, field = 'agent'): Promise<{ id: string; name: string; handle: string }> {
    const key = ref.replace(/^@/, '');
    const agent = await this.db.agent.findFirst({
      where: { OR: [{ handle: key }, { email: key }] },
      select: { id: true, name: true, handle: true },
    });
    if (!agent) throw new ValidationError(`unknown agent "${ref}"`, field);
    return agent;
  }

  /** Sends an agent's reply to the customer (or adds an internal note, or records one already delivered). */
  async reply(ticketNumber: number, input: ReplyInput): Promise<{ messageId: string; duplicate?: boolean }> {
    if (!input.text.trim() && !input.attachments?.length) throw new ValidationError('text must not be empty', 'text');
    const agent = input.agent ? await this.findAgent(input.agent) : null;
    const actor: Actor = { kind: 'agent', name: agent?.name ?? DEFAULT_AGENT_NAME, agentId: agent?.id ?? null };
    const outgoing: OutgoingMessage = {
      authorKind: input.internal ? 'note' : 'agent',
      authorName: actor.name ?? null,
      agentId: actor.agentId ?? null,
      text: input.text,
      ...(input.attachments?.length ? { attachments: input.attachments } : {}),
    };
    const delivered = input.internal ? undefined : input.delivered;
    const result = await this.db.$transaction(async (tx) => {
      const ticket = await lockTicket(tx, ticketNumber);
      // One instant for the reply and a first-reply assignment: the assignee has replied since assignedAt.
      // A reply already on the platform counts from when it was written there.
      const at = delivered ? replyInstant(delivered.sentAt, ticket.openedAt) : new Date();
      if (delivered) {
        // Checked under the ticket's lock: a redelivery arriving at once waits, then sees the first.
        // (Should one ever race in through another ticket, the unique key refuses it and the
        // platform's next redelivery finds it here.)
        const known = await tx.message.findUnique({
          where: { channel_platformMessageId: { channel: ticket.channel, platformMessageId: delivered.platformMessageId } },
          select: { id: true },
        });
        if (known) return { duplicateOf: known.id };
        outgoing.delivered = { ...delivered, sentAt: at };
      }
      const messageId = await this.outbox.write(tx, ticket, outgoing);
      const changes: Changes = {};
      if (!input.internal) {
        // The latest reply stays the latest: one written earlier on a platform, recorded late, does not move it back.
        const last = ticket.lastAgentReplyAt && ticket.lastAgentReplyAt > at ? ticket.lastAgentReplyAt : at;
        const data: Prisma.TicketUpdateInput = { botActive: false, lastAgentReplyAt: last };
        if (!ticket.firstRespondedAt) {
          data.firstRespondedAt = at;
          changes.firstRespondedAt = { from: null, to: data.firstRespondedAt };
        }
        if (ticket.status === 'new') {
          data.status = 'open';
          changes.status = { from: 'new', to: 'open' };
        }
        if (!ticket.assigneeId && agent) {
          data.assignee = { connect: { id: agent.id } };
          data.assignedAt = at;
          changes.assignee = { from: null, to: agent.handle };
        }
        if (ticket.botActive) changes.botActive = { from: true, to: false };
        // People take the ticket from the bot with this reply: their SLA clock starts now (and this is the first response).
        const handed = ticket.botActive && this.botHandles() ? await handToPeople(tx, ticket.id, this.settings.sla, actor, at) : {};
        await tx.ticket.update({ where: { id: ticket.id }, data });
        for (const [field, change] of Object.entries(changes)) await audit(tx, ticket.id, `${field}_changed`, actor, change);
        return { ticket, messageId, changes: { ...handed, ...changes } };
      }
      return { ticket, messageId, changes };
    });
    if (result.duplicateOf !== undefined) return { messageId: result.duplicateOf, duplicate: true };
    const { ticket, messageId, changes } = result;
    await this.outbox.dispatch(ticket, messageId, outgoing);
    if (Object.keys(changes).length) this.events.publish('ticket.updated', { ...ref(ticket), changes, actor });
    return { messageId };
  }

  /**
   * Changes a ticket's status, priority, support line, tags, category, assignee or team. With `ifUnassigned`
   * the change applies only while the ticket has no assignee (checked under the row lock), else
   * ConflictError: two agents pulling the same ticket at once get it once. `chooseAssignee` (see
   * UpdateOptions) decides the assignee inside the same transaction. False when `guard` refused.
   */
  async update(ticketNumber: number, patch: TicketPatch, actor: Actor, opts: UpdateOptions = {}): Promise<boolean> {
    if (patch.status === 'new') throw new ValidationError('a ticket cannot be set back to new', 'status');
    const reason = patch.reason?.trim() || undefined;
    if (reason !== undefined && patch.status !== 'pending') throw new ValidationError('reason goes with status "pending"', 'reason');
    if (reason !== undefined && reason.length > MAX_REASON_LENGTH) throw new ValidationError(`reason is longer than ${MAX_REASON_LENGTH} characters`, 'reason');
    if (patch.pendingUntil && patch.status !== 'pending') {
      throw new ValidationError('pendingUntil goes with status "pending"', 'pendingUntil');
    }
    if (patch.line !== undefined && !(Number.isInteger(patch.line) && patch.line >= 1 && patch.line <= MAX_LINE)) {
      throw new ValidationError(`line must be 1, 2 or ${MAX_LINE}`, 'line');
    }
    let assignee: { id: string } | null | undefined =
      patch.assignee === undefined ? undefined : patch.assignee ? await this.findAgent(patch.assignee, 'assignee') : null;
    const team =
      patch.team === undefined || patch.team === null
        ? patch.team
        : await this.db.team.findUnique({ where: { name: patch.team }, select: { id: true, name: true } });
    if (team === null && patch.team) throw new ValidationError(`unknown team "${patch.team}"`, 'team');

    const result = await this.db.$transaction(async (tx) => {
      const t = await lockTicket(tx, ticketNumber);
      if (opts.ifUnassigned && t.assigneeId) throw new ConflictError(`ticket #${ticketNumber} is already assigned`);
      if (opts.guard && !(await opts.guard(tx, t))) return { ticket: t, changes: {} as Changes, refused: true };
      if (opts.chooseAssignee) {
        const chosen = await opts.chooseAssignee(tx, t);
        if (chosen !== undefined) assignee = chosen;
      }
      const data: Prisma.TicketUncheckedUpdateInput = {};
      const changes: Changes = {};
      const set = <K extends keyof Prisma.TicketUncheckedUpdateInput>(key: K, from: unknown, to: Prisma.TicketUncheckedUpdateInput[K], shown: unknown = to) => {
        if (JSON.stringify(from) === JSON.stringify(shown)) return;
        data[key] = to;
        changes[key] = { from, to: shown };
      };
      if (patch.status) {
        set('status', t.status, patch.status);
        const now = new Date();
        if (patch.status === 'pending') set('pendingUntil', t.pendingUntil, patch.pendingUntil ?? null);
        else if (t.pendingUntil) set('pendingUntil', t.pendingUntil, null);
        if (patch.status === 'resolved' && t.status !== 'resolved') set('resolvedAt', t.resolvedAt, now);
        if (patch.status === 'closed' && t.status !== 'closed') {
          set('closedAt', t.closedAt, now);
          if (!t.resolvedAt) set('resolvedAt', null, now);
        }
        // Overdue marks a missed deadline of work still to do: done work is no longer overdue.
        if ((patch.status === 'resolved' || patch.status === 'closed') && t.overdue) set('overdue', true, false);
        if ((patch.status === 'open' || patch.status === 'pending') && (t.status === 'resolved' || t.status === 'closed')) {
          set('resolvedAt', t.resolvedAt, null);
          set('closedAt', t.closedAt, null);
        }
      }
      if (patch.priority) set('priority', t.priority, patch.priority);
      if (patch.line !== undefined) set('line', t.line, patch.line);
      if (patch.tags) set('tags', t.tags, normalizeTags(patch.tags));
      if (patch.category !== undefined) set('category', t.category, patch.category);
      if (assignee !== undefined) {
        set('assigneeId', t.assigneeId, assignee?.id ?? null);
        if (assignee) set('botActive', t.botActive, false);
        // Reassign-on-silence counts from here; not an audited change of its own.
        if (changes.assigneeId) data.assignedAt = assignee ? new Date() : null;
      }
      if (team !== undefined) set('teamId', t.teamId, team?.id ?? null);
      if (patch.botActive !== undefined) set('botActive', t.botActive, patch.botActive);
      else if (patch.status === 'resolved' && t.status !== 'resolved') set('botActive', t.botActive, true);
      // SLA: the unmet due times are recomputed when the clock runs again (the ticket leaves
      // pending, or people get it from the bot) or, unless keepDueTimes, for a new priority or category.
      const bot = this.botHandles();
      const restarts = (t.status === 'pending' && changes.status !== undefined) || (bot && changes.botActive?.to === false);
      if (restarts || (!opts.keepDueTimes && (changes.priority || changes.category))) {
        const after = {
          priority: patch.priority ?? t.priority,
          category: patch.category !== undefined ? patch.category : t.category,
          status: patch.status ?? t.status,
          botActive: (data.botActive as boolean | undefined) ?? t.botActive,
        };
        const now = new Date();
        const pauses = await clockPauses(tx, t, { bot, until: restarts ? now : undefined });
        // First response time counts from the first time people got the ticket from the bot.
        if (bot && changes.botActive?.to === false && !t.handedOffAt) data.handedOffAt = now;
        const due = unmetDueTimes(this.settings.sla, { ...t, ...after }, pauses, botHolds(after, bot));
        if (due.firstResponseDueAt !== undefined) set('firstResponseDueAt', t.firstResponseDueAt, due.firstResponseDueAt);
        if (due.resolutionDueAt !== undefined) set('resolutionDueAt', t.resolutionDueAt, due.resolutionDueAt);
        if (due.slaPolicy !== undefined) set('slaPolicy', t.slaPolicy, due.slaPolicy);
      }
      if (!Object.keys(changes).length) return { ticket: t, changes, refused: false };
      try {
        await tx.ticket.update({ where: { id: t.id }, data });
      } catch (err) {
        if ((err as { code?: string }).code === 'P2002') {
          throw new ValidationError('this conversation already has another ticket that is not closed', 'status');
        }
        throw err;
      }
      for (const [field, change] of Object.entries(changes)) await audit(tx, t.id, `${field}_changed`, actor, field === 'status' && reason ? { ...change, reason } : change);
      return { ticket: t, changes, refused: false };
    });
    if (Object.keys(result.changes).length) {
      const pendingReason = reason && result.changes.status ? { reason } : {};
      this.events.publish('ticket.updated', { ...ref(result.ticket), changes: result.changes, actor, ...pendingReason });
    }
    return !result.refused;
  }
}

/** A ticket as read under its row lock in `update`. */
export type LockedTicket = TicketTarget &
  Pick<
    Prisma.TicketGetPayload<object>,
    | 'status' | 'pendingUntil' | 'priority' | 'line' | 'tags' | 'category' | 'assigneeId' | 'teamId' | 'botActive' | 'firstRespondedAt' | 'resolvedAt' | 'closedAt'
    | 'openedAt' | 'origin' | 'handedOffAt' | 'firstResponseDueAt' | 'resolutionDueAt' | 'assignedAt' | 'slaPolicy' | 'overdue' | 'lastAgentReplyAt'
  >;

/**
 * When a reply written on the customer's platform counts from: the platform's time, but never
 * later than now (a platform's clock ahead of ours) nor before the ticket opened (no negative
 * first response time).
 */
function replyInstant(sentAt: Date, openedAt: Date): Date {
  const now = Date.now();
  return new Date(Math.max(Math.min(sentAt.getTime(), now), openedAt.getTime()));
}

/**
 * Reads a ticket and holds its row lock until the transaction ends, so concurrent changes queue up.
 * One raw statement: the ORM cannot lock a row, and a lock plus a read was two round trips on
 * every change (`npm run bench:ingest`).
 */
async function lockTicket(tx: Prisma.TransactionClient, ticketNumber: number): Promise<LockedTicket> {
  const rows = await tx.$queryRaw<LockedTicket[]>`
    SELECT "id", "number", "conversationId", "channel"::text AS "channel", "status"::text AS "status", "pendingUntil",
           "priority"::text AS "priority", "line", "tags", "category", "assigneeId", "teamId", "botActive", "firstRespondedAt",
           "resolvedAt", "closedAt", "openedAt", "origin"::text AS "origin", "handedOffAt", "firstResponseDueAt", "resolutionDueAt",
           "assignedAt", "slaPolicy", "overdue", "lastAgentReplyAt"
    FROM "Ticket" WHERE "number" = ${ticketNumber} FOR UPDATE`;
  const t = rows[0];
  if (!t) throw new NotFoundError(`ticket #${ticketNumber} not found`);
  return t;
}

function ref(t: TicketTarget) {
  return { ticketId: t.id, ticketNumber: t.number, conversationId: t.conversationId, channel: t.channel };
}
