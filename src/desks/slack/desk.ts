/**
 * The Slack desk: agents work tickets from a Slack channel.
 *
 * - Each ticket handed to people gets a card in SLACK_AGENT_CHANNEL (one per ticket: a unique
 *   DeskThread row is claimed before posting). Tickets reach the desk on `ticket.handoff`, and on
 *   `ticket.created` while the bot would not take them (BOT_ENABLED=false, or an empty KB), or
 *   when an agent started the ticket by writing to the customer (origin agent, src/core/outreach.ts).
 * - The card's thread mirrors the conversation: customer messages, bot answers, and agents'
 *   replies and notes made elsewhere (REST API), and customers' edits of their messages as notes
 *   with the old text quoted. The card is updated in place on `ticket.updated`.
 * - An agent's message in the thread is TicketService.reply as that agent (`note:` / `заметка:`
 *   makes it an internal note); the card's buttons and `/desk` are TicketService.update. The desk
 *   never writes tickets itself, so first response, audit and SLA come out as with the REST API.
 * - An agent editing that message in Slack (`message_changed`) edits the reply or note
 *   (src/core/agentEdits.ts): a DeskMessage row (desk `slack:reply`, chatId `<channel>/<ts>`,
 *   messageId the reply's id) remembers which reply a thread message became. Edits made elsewhere
 *   (the REST API) show in the thread as a note with the old text quoted; an edit the customer's
 *   channel could not take is a notice to the agent.
 *
 * Transport (./transport.ts): HTTP mode on POST /slack/events, or Socket Mode with SLACK_APP_TOKEN.
 * Events are acked at once and handled after; Slack's retries are dropped by `event_id` (Redis SET
 * NX). Messages and button presses in customer channels (SLACK_CUSTOMER_CHANNELS) go to the Slack
 * customer adapter through the tap (src/adapters/slack/tap.ts).
 * Work on one ticket runs in order on an instance (a promise chain per ticket), so a mirrored
 * message never overtakes its card and the desk's own replies are not mirrored back.
 */
import type { Router } from 'express';
import type { ChannelStatus } from '../../adapters/adapter.js';
import { StatusTracker } from '../../adapters/adapter.js';
import { escalationPatch } from '../../core/escalation.js';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { Actor, DomainEvents } from '../../core/events.js';
import type { Attachment } from '../../core/model.js';
import type { Desk, DeskDeps } from '../desk.js';
import { SlackApi } from '../../adapters/slack/api.js';
import { listTickets } from '../../core/ticketQueries.js';
import { ACTIONS, SNOOZE_ACTIONS, cardBlocks, cardText, editText, escapeSlack, mirrorText, parsePriorityValue, slackToPlain, type CardTicket } from './card.js';
import { DEFAULT_DESK_TIME_ZONE, snoozeUntil } from './snooze.js';
import { SlackSocket, slackHttpRouter, type SlackReceiver } from './transport.js';
import type { SlackCommand, SlackEvent, SlackInteraction } from '../../adapters/slack/payloads.js';
import { PerKeySerial } from '../../serial.js';
import { FileStore, storedFiles, type OutboundFiles } from '../../core/files.js';
import { addresseeName, DeskNotices, type DeskNotice, type NoticeIcon, type NoticePart } from '../notices.js';

export const SLACK_EVENTS_PATH = '/slack/events';
const DESK = 'slack';
/** DeskMessage rows naming the reply (or note) an agent's thread message became: chatId `<channel>/<ts>`, messageId the reply's id. */
const REPLY = 'slack:reply';
/** How long an event id (and a mirrored message) is remembered. */
const EVENT_TTL_S = 60 * 60;
const MIRROR_TTL_S = 7 * 24 * 60 * 60;
/** How many tickets `/desk find` lists. */
const FIND_LIMIT = 10;
const NOTE_PREFIX = /^\s*(?:note|заметка)\s*:\s*/i;
/** A thread message that is only `!shortcut` sends that canned response. */
const CANNED_SHORTCUT = /^\s*!([\p{L}\p{N}_-]+)\s*$/u;

export interface SlackDeskSettings {
  token: string;
  channel: string;
  apiUrl: string;
  /** HTTP mode: requests to POST /slack/events are checked with it. */
  signingSecret?: string;
  /** Socket Mode (xapp-…): the desk connects to Slack instead of waiting for requests. */
  appToken?: string;
}

export interface SlackDeskOptions {
  /** chat.postMessage per second per channel; Slack allows about 1. */
  postsPerSecond: number;
  /** The zone "Snooze till tomorrow 09:00" is read in (default Europe/Moscow). */
  timeZone: string;
}

interface AgentRef {
  id: string;
  handle: string;
  name: string;
}

export class SlackDesk implements Desk {
  readonly name = 'slack';
  /** HTTP mode's route (absent in Socket Mode without a signing secret). */
  readonly router?: Router;
  private readonly socket: SlackSocket | undefined;
  private readonly api: SlackApi;
  /** Files we keep (customers' and agents'), read to upload them into threads. */
  private readonly stored: OutboundFiles;
  private readonly tracker: StatusTracker;
  /** How Slack's requests come, for the status: "socket mode" or "http events". */
  private readonly mode: string;
  /** The desk's work on one ticket runs in the order of its events. */
  private readonly perTicket = new PerKeySerial();
  /** Slack's events on one thread are handled in the order they arrived. */
  private readonly perThread = new PerKeySerial();
  private readonly running = new Set<Promise<unknown>>();
  /** Messages this desk wrote (agents' replies from Slack): never mirrored back into the thread. */
  private readonly own = new Set<string>();
  /** Edits this desk made (an agent edited their message in Slack): never mirrored back into the thread. */
  private readonly ownEdits = new Set<string>();
  private detach: Array<() => void> = [];
  private botUserId: string | undefined;
  private botName: string | undefined;
  private readonly keyPrefix: string;
  private readonly timeZone: string;

  constructor(
    private readonly settings: SlackDeskSettings,
    private readonly deps: DeskDeps,
    options: Partial<SlackDeskOptions> = {},
  ) {
    this.keyPrefix = `${deps.config.REDIS_PREFIX}:slack-desk`;
    this.timeZone = options.timeZone ?? DEFAULT_DESK_TIME_ZONE;
    this.stored = storedFiles(deps.files ?? new FileStore(deps.db, deps.config.ATTACHMENT_MAX_BYTES));
    this.api = new SlackApi({
      token: settings.token,
      apiUrl: settings.apiUrl,
      pacing: { redis: deps.redis, ratePrefix: `${deps.config.REDIS_PREFIX}:rate:slack-desk`, postsPerSecond: options.postsPerSecond ?? 1 },
      log: deps.log,
    });
    this.mode = settings.appToken ? 'socket mode' : 'http events';
    this.tracker = new StatusTracker('connecting', this.mode);
    if (settings.signingSecret) this.router = slackHttpRouter(SLACK_EVENTS_PATH, settings.signingSecret, this.receiver(), deps.log);
    this.socket = settings.appToken
      ? new SlackSocket({
          appToken: settings.appToken,
          apiUrl: settings.apiUrl,
          receiver: this.receiver(),
          log: deps.log,
          onState: (state, detail) => this.tracker.set(state, state === 'error' ? { lastError: detail ?? 'socket error' } : { detail: this.botName ? `${detail}, @${this.botName}` : detail }),
        })
      : undefined;
  }

  status(): ChannelStatus {
    return this.tracker.get();
  }

  async start(): Promise<void> {
    const { events } = this.deps;
    this.detach = [
      events.on('ticket.handoff', (e) => this.perTicket.run(e.ticketId, () => this.ensureCard(e.ticketId))),
      // An agent-initiated ticket (origin agent) is people's from the start, whatever the bot does.
      events.on('ticket.created', (e) => (this.deps.botHandles() && e.origin !== 'agent' ? undefined : this.perTicket.run(e.ticketId, () => this.ensureCard(e.ticketId)))),
      events.on('ticket.updated', (e) => this.perTicket.run(e.ticketId, () => this.refreshCard(e.ticketId))),
      events.on('message.received', (e) => this.perTicket.run(e.ticketId, () => this.mirror(e.ticketId, e.messageId))),
      events.on('message.created', (e) => this.perTicket.run(e.ticketId, () => this.mirror(e.ticketId, e.messageId))),
      events.on('message.edited', (e) => this.perTicket.run(e.ticketId, () => this.mirrorEdit(e))),
      events.on('reply.edited', (e) => this.perTicket.run(e.ticketId, () => this.mirrorEdit(e))),
      // SLA warnings and breaches, wake-ups, reassignments, low ratings, automation's notify.
      ...new DeskNotices(this.deps.db).subscribe(events, this.perTicket, (n) => this.postNotice(n)),
    ];
    try {
      const me = await this.api.authTest();
      this.botUserId = me.userId;
      this.botName = me.user;
      // In Socket Mode the desk is connected once the socket says hello.
      if (!this.socket) this.tracker.set('connected', { detail: me.user ? `${this.mode}, @${me.user}` : this.mode });
    } catch (err) {
      // The desk keeps working: events still arrive, and calls are retried one by one.
      this.tracker.set('error', { lastError: err instanceof Error ? err.message : String(err) });
      this.deps.log.warn({ err, desk: DESK }, 'Slack desk: auth.test failed');
    }
    this.socket?.start();
  }

  async stop(): Promise<void> {
    await this.socket?.stop();
    for (const off of this.detach) off();
    this.detach = [];
    while (this.running.size) await Promise.allSettled([...this.running]);
    await this.perTicket.idle();
  }

  // ---- Requests from Slack (src/desks/slack/transport.ts brings them, over HTTP or a socket) ----

  /** The transport's side: what to do with each request. */
  private receiver(): SlackReceiver {
    return {
      event: async (body) => {
        const event = body.event;
        if (!event) return;
        // A customer's message is stored before Slack gets its ack, so a failure here (PostgreSQL
        // away) makes Slack send it again instead of losing it. Storing is idempotent by message id.
        const customers = event.type === 'message' ? this.deps.slackCustomerTap?.route(event.channel) : null;
        if (customers) {
          await customers.message(event);
          return;
        }
        // The desk's own events: acked at once and handled after, in the order they came per
        // thread (two quick replies reach the customer in the order the agent wrote them); a
        // retry of an event already claimed (by this or another instance) is dropped. An edit of a
        // thread message waits behind that thread's messages (the reply it edits is recorded first).
        this.track(
          this.perThread.run(`${event.channel ?? ''}:${event.thread_ts ?? event.message?.thread_ts ?? event.ts ?? ''}`, async () => {
            if (body.event_id && !(await this.claim(`event:${body.event_id}`, EVENT_TTL_S))) return;
            await this.onEvent(event);
          }),
        );
      },
      interaction: (payload) => this.track(this.onInteraction(payload)),
      command: (fields) => this.onCommand(fields),
    };
  }

  private async onEvent(e: SlackEvent): Promise<void> {
    if (e.type !== 'message' || e.channel !== this.settings.channel) return;
    if (e.subtype === 'message_changed') {
      await this.onEdited(e.channel, e.message);
      return;
    }
    // Bots (this desk included) and edits/joins are not agents' replies.
    if (e.bot_id || !e.user || e.user === this.botUserId) return;
    if (e.subtype && e.subtype !== 'file_share' && e.subtype !== 'thread_broadcast') return;
    if (!e.thread_ts || !e.ts || e.thread_ts === e.ts) return;
    const thread = await this.deps.db.deskThread.findFirst({
      where: { desk: DESK, chatId: e.channel, threadId: e.thread_ts },
      select: { ticket: { select: { id: true, number: true } } },
    });
    if (!thread) return;
    // The same message can come under two event ids (e.g. two subscriptions): one reply only.
    if (!(await this.claim(`msg:${e.channel}:${e.ts}`, EVENT_TTL_S))) return;
    const agent = await this.identify(e.user);
    if (!agent) {
      await this.refuse(e.channel, e.user, e.thread_ts);
      return;
    }
    let text = slackToPlain(e.text ?? '');
    const internal = NOTE_PREFIX.test(text);
    if (internal) text = text.replace(NOTE_PREFIX, '');
    const { id: ticketId, number } = thread.ticket;
    const shortcut = !internal && this.deps.canned ? CANNED_SHORTCUT.exec(text)?.[1] : undefined;
    if (shortcut !== undefined && this.deps.canned) {
      // Sent as the agent's reply and, unlike a typed reply, mirrored into the thread: the agent typed only the shortcut.
      const canned = this.deps.canned;
      const to = { channel: e.channel, user: e.user, threadTs: e.thread_ts };
      await this.perTicket.run(ticketId, () => canned.send(number, shortcut, agent.handle).then(() => undefined)).catch((err: unknown) =>
        this.api.postEphemeral({ ...to, text: `Not sent: ${explain(err)}` }),
      );
      return;
    }
    try {
      await this.perTicket.run(ticketId, async () => {
        const { messageId } = await this.deps.tickets.reply(number, { text, internal, agent: agent.handle });
        this.own.add(messageId);
        // So that the agent's edit of this thread message finds the reply. The reply is committed
        // and queued by now: a failure here only costs that, and must not read as "Not sent".
        await this.deps.db.deskMessage
          .createMany({ data: [{ desk: REPLY, chatId: `${e.channel}/${e.ts}`, messageId, ticketId }], skipDuplicates: true })
          .catch((err: unknown) => this.deps.log.warn({ err, desk: DESK, ticketId, messageId }, "Slack desk: the agent's thread message was not mapped to its reply (editing it in Slack will not edit the reply)"));
      });
    } catch (err) {
      await this.api.postEphemeral({ channel: e.channel, user: e.user, threadTs: e.thread_ts, text: `Not sent: ${explain(err)}` });
    }
  }

  /**
   * An agent edited their thread message: the reply (or note) it became takes the new text, and
   * the customer's copy is edited where their channel can. The same text again changes nothing,
   * so a redelivered event (or Slack's unfurl updates) is harmless.
   */
  private async onEdited(channel: string, m: SlackEvent | undefined): Promise<void> {
    const edits = this.deps.edits;
    if (!edits || !m?.ts || !m.user || m.bot_id || m.user === this.botUserId) return;
    const row = await this.deps.db.deskMessage.findFirst({ where: { desk: REPLY, chatId: `${channel}/${m.ts}` }, select: { messageId: true, ticketId: true } });
    if (!row) return;
    const agent = await this.identify(m.user);
    if (!agent) return;
    const text = slackToPlain(m.text ?? '').replace(NOTE_PREFIX, '');
    const editedAt = m.edited?.ts ? new Date(Number(m.edited.ts) * 1000) : undefined;
    try {
      await this.perTicket.run(row.ticketId, async () => {
        const outcome = await edits.edit({ messageId: row.messageId, text, actor: { agentId: agent.id, name: agent.name, admin: false }, ...(editedAt ? { editedAt } : {}) });
        if (outcome.kind === 'edited') this.ownEdits.add(outcome.editId);
      });
    } catch (err) {
      await this.api.postEphemeral({ channel, user: m.user, ...(m.thread_ts ? { threadTs: m.thread_ts } : {}), text: `Not edited: ${explain(err)}` });
    }
  }

  private async onInteraction(p: SlackInteraction): Promise<void> {
    if (p.type !== 'block_actions' || !p.actions?.length || !p.user?.id) return;
    const customers = this.deps.slackCustomerTap?.route(p.channel?.id);
    if (customers) {
      await customers.press(p);
      return;
    }
    const channel = p.channel?.id ?? this.settings.channel;
    const threadTs = p.message?.ts;
    const agent = await this.identify(p.user.id);
    if (!agent) {
      await this.refuse(channel, p.user.id, threadTs);
      return;
    }
    const actor: Actor = { kind: 'agent', name: agent.name, agentId: agent.id };
    for (const action of p.actions) {
      const picked = action.action_id === ACTIONS.priority ? parsePriorityValue(action.selected_option?.value) : undefined;
      const number = picked ? picked.number : Number(action.value);
      if (!Number.isInteger(number) || number <= 0) continue;
      const snooze = action.action_id ? SNOOZE_ACTIONS[action.action_id] : undefined;
      try {
        if (action.action_id === ACTIONS.take) await this.deps.tickets.update(number, { assignee: agent.handle }, actor);
        else if (action.action_id === ACTIONS.resolve) await this.deps.tickets.update(number, { status: 'resolved' }, actor);
        else if (snooze) await this.deps.tickets.update(number, { status: 'pending', pendingUntil: snoozeUntil(snooze, new Date(), this.timeZone) }, actor);
        else if (picked) await this.deps.tickets.update(number, { priority: picked.priority }, actor);
        else if (action.action_id === ACTIONS.escalate) {
          const note = await this.escalate(number, actor);
          if (note) await this.api.postEphemeral({ channel, user: p.user.id, text: `#${number}: ${note}` });
        }
      } catch (err) {
        await this.api.postEphemeral({ channel, user: p.user.id, text: `#${number}: ${explain(err)}` });
      }
    }
    // The card itself is updated by the `ticket.updated` listener, whoever made the change.
  }

  /**
   * Escalate (core escalationPatch: the next line and its team, one step more priority), in one
   * TicketService.update. Returns a note for the agent when there was nothing left to raise.
   */
  private async escalate(number: number, actor: Actor): Promise<string | undefined> {
    const t = await this.deps.db.ticket.findUnique({ where: { number }, select: { line: true, priority: true } });
    if (!t) throw new NotFoundError(`ticket #${number} not found`);
    const patch = escalationPatch(t, this.deps.settings?.current ?? { teams: [] });
    if (patch.line === t.line && patch.priority === t.priority) return `already at line ${t.line} and urgent: nothing to escalate.`;
    await this.deps.tickets.update(number, patch, actor);
    return undefined;
  }

  /** `/desk next|mine|find|status`: the answer is shown to the caller only. */
  private async onCommand(fields: SlackCommand): Promise<string> {
    const user = fields.user_id ?? '';
    const agent = await this.identify(user);
    if (!agent) return REFUSAL;
    const text = (fields.text ?? '').trim();
    const [sub = 'help'] = text.toLowerCase().split(/\s+/).filter(Boolean);
    const { db } = this.deps;
    if (sub === 'find') {
      const q = text.replace(/^\S+\s*/, '').trim();
      if (!q) return 'Usage: `/desk find <text>` searches ticket subjects and customers (name, email, phone).';
      const { tickets, total } = await listTickets(db, { q, limit: FIND_LIMIT, sort: '-updatedAt' });
      if (!tickets.length) return `No tickets match "${escapeSlack(q)}".`;
      const lines = tickets.map(
        (t) => `• #${t.number} · ${t.status} · ${escapeSlack(t.contact.name ?? t.contact.email ?? t.contact.phone ?? 'Customer')} · ${escapeSlack(t.subject ?? '(no subject)')}`,
      );
      const more = total > tickets.length ? [`…and ${total - tickets.length} more: narrow the search.`] : [];
      return [`Tickets matching "${escapeSlack(q)}":`, ...lines, ...more].join('\n');
    }
    if (sub === 'next') {
      // The desk's pull queue (src/core/assignment/pull.ts): the most urgent ticket waiting for this
      // agent; two agents pulling at once get different tickets.
      try {
        const { ticket } = await this.deps.next(agent.handle);
        return ticket ? `You took ticket #${ticket.number}.` : 'The queue is empty: no unassigned ticket waits for you.';
      } catch (err) {
        return explain(err);
      }
    }
    if (sub === 'mine') {
      const mine = await db.ticket.findMany({
        where: { assigneeId: agent.id, status: { in: ['new', 'open', 'pending'] } },
        orderBy: { createdAt: 'asc' },
        take: 20,
        select: { number: true, status: true, priority: true, contact: { select: { name: true } } },
      });
      if (!mine.length) return 'You have no open tickets.';
      return ['Your open tickets:', ...mine.map((t) => `• #${t.number} · ${t.contact.name ?? 'Customer'} · ${t.status} · ${t.priority}`)].join('\n');
    }
    if (sub === 'status') {
      const now = new Date();
      const [queue, overdue] = await Promise.all([
        db.ticket.count({ where: { assigneeId: null, status: { in: ['new', 'open'] }, ...(this.deps.botHandles() ? { botActive: false } : {}) } }),
        db.ticket.count({
          where: {
            status: { in: ['new', 'open'] },
            OR: [{ firstRespondedAt: null, firstResponseDueAt: { lt: now } }, { resolutionDueAt: { lt: now } }],
          },
        }),
      ]);
      return `Queue: ${queue} unassigned · overdue: ${overdue}`;
    }
    return 'Usage: `/desk next` takes the most urgent ticket waiting for you, `/desk mine` lists yours, `/desk find <text>` searches tickets, `/desk status` shows the queue.';
  }

  /** The agent behind a Slack user: by Slack user id, else by the profile email (then remembered). */
  private async identify(slackUserId: string): Promise<AgentRef | null> {
    const { db, log } = this.deps;
    const select = { id: true, handle: true, name: true } as const;
    const known = await db.agent.findUnique({ where: { slackUserId }, select });
    if (known) return known;
    const email = await this.api.userEmail(slackUserId).catch((err: unknown) => {
      log.warn({ err, desk: DESK, slackUserId }, 'Slack desk: users.info failed');
      return undefined;
    });
    if (!email) return null;
    const agent = await db.agent.findFirst({ where: { email: { equals: email, mode: 'insensitive' } }, select: { ...select, slackUserId: true } });
    if (!agent) return null;
    if (!agent.slackUserId) await db.agent.update({ where: { id: agent.id }, data: { slackUserId } }).catch(() => undefined);
    return { id: agent.id, handle: agent.handle, name: agent.name };
  }

  private refuse(channel: string, user: string, threadTs?: string): Promise<void> {
    return this.api.postEphemeral({ channel, user, text: REFUSAL, ...(threadTs ? { threadTs } : {}) });
  }

  // ---- The card and its thread ----

  /** Posts the ticket's card unless it has one; the thread gets what was said before it. */
  private async ensureCard(ticketId: string): Promise<void> {
    const { db } = this.deps;
    const claimed = await db.deskThread.createMany({ data: [{ desk: DESK, ticketId, chatId: this.settings.channel }], skipDuplicates: true });
    if (claimed.count === 0) return;
    try {
      const card = await this.loadCard(ticketId);
      if (!card) return;
      const ts = await this.api.postMessage({ channel: this.settings.channel, text: cardText(card.ticket), blocks: cardBlocks(card.ticket) });
      await db.deskThread.update({ where: { desk_ticketId: { desk: DESK, ticketId } }, data: { threadId: ts } });
      const history = await db.message.findMany({
        where: { ticketId },
        orderBy: { seq: 'asc' },
        select: { id: true, authorKind: true, authorName: true, text: true, attachments: true },
      });
      const lines: string[] = [];
      for (const m of history) {
        const fresh = await this.claim(`mirrored:${m.id}`, MIRROR_TTL_S);
        if (fresh && m.id !== card.firstMessageId && !this.own.has(m.id)) {
          lines.push(mirrorText({ ...m, attachments: m.attachments as unknown as Attachment[] }, card.ticket.customerName));
        }
      }
      if (lines.length) await this.api.postMessage({ channel: this.settings.channel, threadTs: ts, text: lines.join('\n') });
    } catch (err) {
      // Let a later event try again.
      await db.deskThread.deleteMany({ where: { desk: DESK, ticketId, threadId: null } });
      throw err;
    }
  }

  private async refreshCard(ticketId: string): Promise<void> {
    const thread = await this.thread(ticketId);
    if (!thread) return;
    const card = await this.loadCard(ticketId);
    if (card) await this.api.update({ channel: thread.chatId, ts: thread.threadId, text: cardText(card.ticket), blocks: cardBlocks(card.ticket) });
  }

  /** Posts one message of the conversation into the card's thread, once. */
  private async mirror(ticketId: string, messageId: string): Promise<void> {
    if (this.own.delete(messageId)) return;
    const thread = await this.thread(ticketId);
    if (!thread) return;
    if (!(await this.claim(`mirrored:${messageId}`, MIRROR_TTL_S))) return;
    const m = await this.deps.db.message.findUnique({
      where: { id: messageId },
      select: { authorKind: true, authorName: true, text: true, attachments: true, ticket: { select: { contact: { select: { name: true } } } } },
    });
    if (!m) return;
    const attachments = m.attachments as unknown as Attachment[];
    const text = mirrorText({ ...m, attachments }, m.ticket?.contact.name ?? null);
    await this.api.postMessage({ channel: thread.chatId, threadTs: thread.threadId, text });
    // The files we keep follow as files, so agents see them in Slack; the text above names them all.
    for (const attachment of attachments) {
      const file = await this.stored.read(attachment);
      if (!file) continue;
      const name = file.name ?? attachment.name ?? `${attachment.kind}`;
      await this.api.uploadFile({ channel: thread.chatId, threadTs: thread.threadId, data: file.data, name }).catch((err: unknown) => {
        this.deps.log.warn({ err, desk: DESK, ticketId, messageId }, 'Slack desk: a file was not uploaded into the thread');
      });
    }
  }

  /**
   * An edit as a note in the card's thread, once (claimed by the edit's id, so a redelivered event
   * posts nothing): a customer's edit of a message (`message.edited`), or an agent's of a reply or
   * note made elsewhere (`reply.edited`: the REST API, the customer's Slack channel; one made in
   * this thread is not echoed). Nothing when the ticket has no thread: a card posted later shows
   * the texts as they are then. A failed post gives the claim back, so a retry may post it.
   */
  private async mirrorEdit(e: DomainEvents['message.edited'] | DomainEvents['reply.edited']): Promise<void> {
    const byAgent = 'actor' in e;
    if (byAgent && this.ownEdits.delete(e.editId)) return;
    const thread = await this.thread(e.ticketId);
    const key = `edited:${e.editId}`;
    if (!thread || !(await this.claim(key, MIRROR_TTL_S))) return;
    try {
      const edited = { text: e.text, previousText: e.previousText };
      let text: string;
      if (byAgent) {
        text = editText({ ...edited, authorKind: e.internal ? 'note' : 'agent', authorName: e.actor.name ?? null }, null);
      } else {
        const m = await this.deps.db.message.findUnique({
          where: { id: e.messageId },
          select: { authorKind: true, authorName: true, ticket: { select: { contact: { select: { name: true } } } } },
        });
        text = editText({ ...edited, authorKind: m?.authorKind ?? 'customer', authorName: m?.authorName ?? null }, m?.ticket?.contact.name ?? null);
      }
      await this.api.postMessage({ channel: thread.chatId, threadTs: thread.threadId, text });
    } catch (err) {
      await this.deps.redis.del(`${this.keyPrefix}:${key}`).catch(() => undefined);
      throw err;
    }
  }

  /** A notice (src/desks/notices.ts) in Slack's words: mentions by Slack id, dates in the reader's time zone. */
  private async postNotice(notice: DeskNotice): Promise<void> {
    const thread = await this.thread(notice.ticketId);
    for (const { place, parts } of notice.posts) {
      const text = `${NOTICE_ICONS[notice.icon]} ${parts.map(slackPart).join('')}`;
      const teamChannel = notice.team ? this.deps.settings?.current.teams.find((t) => t.name === notice.team)?.slackChannel : undefined;
      if (place === 'supervisor') {
        const supervisor = this.deps.settings?.current.supervisor?.slackChannel;
        if (supervisor) await this.api.postMessage({ channel: supervisor, text });
      } else if (place === 'team' && teamChannel) {
        await this.api.postMessage({ channel: teamChannel, text });
      } else {
        // The card's thread; a ticket that never had a card is told in the agents' channel.
        await this.api.postMessage({ channel: thread?.chatId ?? this.settings.channel, ...(thread ? { threadTs: thread.threadId } : {}), text });
      }
    }
  }

  private async thread(ticketId: string): Promise<{ chatId: string; threadId: string } | null> {
    const row = await this.deps.db.deskThread.findUnique({ where: { desk_ticketId: { desk: DESK, ticketId } }, select: { chatId: true, threadId: true } });
    return row?.threadId ? { chatId: row.chatId, threadId: row.threadId } : null;
  }

  private async loadCard(ticketId: string): Promise<{ ticket: CardTicket; firstMessageId: string | null } | null> {
    const t = await this.deps.db.ticket.findUnique({
      where: { id: ticketId },
      select: {
        number: true, status: true, priority: true, line: true, category: true, channel: true, firstResponseDueAt: true, pendingUntil: true,
        contact: { select: { name: true } },
        assignee: { select: { handle: true, name: true } },
        origin: true,
      },
    });
    if (!t) return null;
    // The opener: the customer's first message or, on a ticket an agent started, that agent's.
    const first = await this.deps.db.message.findFirst({
      where: { ticketId, authorKind: t.origin === 'agent' ? 'agent' : 'customer' },
      orderBy: { seq: 'asc' },
      select: { id: true, text: true, authorKind: true, authorName: true },
    });
    return {
      ticket: {
        number: t.number, status: t.status, priority: t.priority, line: t.line, category: t.category, channel: t.channel,
        customerName: t.contact.name, assignee: t.assignee, firstResponseDueAt: t.firstResponseDueAt, pendingUntil: t.pendingUntil,
        firstMessage: first?.text ?? null,
        startedBy: first?.authorKind === 'agent' ? (first.authorName ?? 'An agent') : null,
      },
      firstMessageId: first?.id ?? null,
    };
  }

  // ---- Plumbing ----

  /** True the first time a key is claimed (shared by every instance, through Redis). */
  private async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.deps.redis.set(`${this.keyPrefix}:${key}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }


  private track(work: Promise<unknown>): void {
    const run = work.catch((err: unknown) => this.deps.log.error({ err, desk: DESK }, 'Slack desk: handling an event failed'));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}

const REFUSAL = 'You are not an agent of this help desk: ask an admin to add your Slack account (or its email) to your agent profile.';

/** A time each reader sees in their own time zone (Slack's date formatting), with UTC as the fallback text. */
function slackTime(at: Date): string {
  return `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${at.toISOString().replace(/\.\d{3}Z$/, 'Z')}>`;
}

const NOTICE_ICONS: Record<NoticeIcon, string> = {
  warning: ':hourglass_flowing_sand:',
  breach: ':rotating_light:',
  alarm: ':alarm_clock:',
  'low-rating': ':warning:',
  automation: ':robot_face:',
};

/** A notice's part as Slack mrkdwn: text escaped, agents mentioned by Slack id, moments as Slack dates. */
function slackPart(part: NoticePart): string {
  if (typeof part === 'string') return escapeSlack(part);
  if ('at' in part) return slackTime(part.at);
  const { who } = part;
  if ('agent' in who && who.agent.slackUserId) return `<@${who.agent.slackUserId}>`;
  return escapeSlack(addresseeName(who));
}

function explain(err: unknown): string {
  if (err instanceof ValidationError || err instanceof NotFoundError || err instanceof ConflictError) return err.message;
  return 'something went wrong; try again';
}
