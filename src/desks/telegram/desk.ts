/**
 * The Telegram desk: agents work tickets from a Telegram group (TELEGRAM_AGENT_CHAT_ID, or the
 * ticket's team's `telegramChatId`).
 *
 * - A ticket handed to people gets its own forum topic, `#1042 · Иван · Доставка` (or, in a
 *   plain group, a card message agents reply to). Tickets reach the desk on `ticket.handoff`, and
 *   on `ticket.created` while the bot would not take them or an agent started it (origin agent),
 *   as with the Slack desk. One topic per
 *   ticket: the unique DeskThread row (desk, ticketId) is claimed before the topic is created.
 * - The topic mirrors the conversation (./mirror.ts: durable, coalesced under the group's flood
 *   limit), and customers' edits of their messages as notes with the old text quoted. The card and the topic's name follow the ticket (`ticket.updated`); a ticket moved to
 *   a team with its own group gets a topic there.
 * - An agent's message in the topic (or a reply to the ticket's messages in a plain group) is
 *   TicketService.reply as that agent, files included; /note, /take, /resolve, /snooze, /priority
 *   and /assign are TicketService calls too, and /next pulls from the assignment queue. The desk
 *   never writes tickets itself, so first response, audit and SLA come out as with the REST API.
 * - An agent editing their reply (or /note) in the topic (`edited_message`) edits that reply or
 *   note (src/core/agentEdits.ts): a DeskMessage row (desk `telegram:reply`, chatId
 *   `<chat>/<message id>`, messageId the reply's id) remembers which reply a message became.
 * - Agents are matched by Agent.telegramUserId; anyone else is refused and cannot act.
 *
 * DeskThread.threadId is the forum topic's id, or `card:<message id>` in a plain group. Every post
 * of the desk (and every agent message it acted on) is a DeskMessage row (desk 'telegram'), so a
 * reply to any of them maps to its ticket, and an update redelivered is acted on once.
 *
 * Updates: with the customer bot's token (the default) the customer adapter hands the agents'
 * chats' updates over through the TelegramDeskTap (one getUpdates consumer per bot; webhook mode
 * too); with a bot of its own (TELEGRAM_DESK_BOT_TOKEN) the desk long-polls itself, on the one
 * instance holding the lease `REDIS_PREFIX:lease:telegram-desk`.
 */
import type { Message, Update } from 'grammy/types';
import type { ChannelStatus } from '../../adapters/adapter.js';
import { StatusTracker } from '../../adapters/adapter.js';
import { attachmentsOf, telegramFileFetcher } from '../../adapters/telegram/attachments.js';
import { RedisLedger, type UpdateLedger } from '../../adapters/telegram/dedupe.js';
import type { DeskUpdateHandler } from '../../adapters/telegram/deskTap.js';
import { describe } from '../../adapters/telegram/errors.js';
import { LeasedPolling, Poller, type UpdateOutcome } from '../../adapters/telegram/polling.js';
import { RedisLease, STANDBY_DETAIL } from '../../adapters/lease.js';
import { AtCapacityError } from '../../core/assignment/pull.js';
import { PRIORITIES } from '../../core/deskConfig.js';
import { DeskSettings } from '../../core/deskSettings.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { Actor } from '../../core/events.js';
import { FileStore, FileTooLargeError, storedAttachment } from '../../core/files.js';
import type { Attachment } from '../../core/model.js';
import type { Desk, DeskDeps } from '../desk.js';
import { DEFAULT_DESK_TIME_ZONE, parseSnooze } from '../snooze.js';
import { PerKeySerial } from '../../serial.js';
import { DeskNotices, type DeskNotice } from '../notices.js';
import { sleep, TelegramDeskApi, TopicGone, type PostPlace } from './api.js';
import { assignTarget, GENERAL_COMMANDS, parseCommand, TICKET_COMMANDS, type DeskCommand } from './commands.js';
import { TicketLocks } from './lock.js';
import { CARD, DESK, isForumThread, MIRRORED, placeOf, TopicMirror, topicKey, type TopicRef } from './mirror.js';
import { KeyedRunner } from './runner.js';
import { cardText, HELP, noticeText, REFUSAL, topicLink, topicName, type TicketView } from './texts.js';

/** A stranger is refused at most once in this long. */
const REFUSAL_TTL_S = 60;
/** How long a handled group command is remembered (Telegram redelivers within a day at most, mostly within minutes). */
const COMMAND_TTL_S = 60 * 60;
/** How long the shown topic name and card text are remembered (a lost one costs one redundant edit). */
const SHOWN_TTL_S = 30 * 24 * 60 * 60;
/** A ticket lock is held for one Bot API call: longer than an upload. */
const LOCK_TTL_MS = 90_000;
const LOCK_WAIT_MS = 15_000;
/** Only messages this recent are looked at by the sweep (older ones were mirrored or never will be). */
const MIRROR_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/** DeskMessage rows naming the reply (or note) an agent's message became: chatId `<chat>/<message id>`, messageId the reply's id. */
const REPLY = 'telegram:reply';
/** A message that is only `!shortcut` sends that canned response. */
const CANNED_SHORTCUT = /^\s*!([\p{L}\p{N}_-]+)\s*$/u;
/** How long downloading an agent's file from Telegram may take. */
const AGENT_FILE_TIMEOUT_MS = 60_000;

export interface TelegramDeskSettings {
  token: string;
  /** The Bot API root, without a trailing slash. */
  apiRoot: string;
  /** The agents' group: a forum supergroup (topics), or a plain group. */
  agentChatId: string;
  /** True when the desk uses the customer bot: updates come through the TelegramDeskTap. */
  sameBot: boolean;
}

export interface TelegramDeskOptions {
  /** Posts a minute per group (Telegram allows about 20). */
  postsPerMinute: number;
  /** The zone of "/snooze tomorrow" and of times on the card. */
  timeZone: string;
  /** How often the sweep looks for unmirrored messages and stuck topic claims. */
  sweepIntervalMs: number;
  /** Messages younger than this are left to the pump that their own event started. */
  sweepGraceMs: number;
  /** A topic claim (DeskThread row with no topic yet) untouched this long is taken as abandoned. */
  staleClaimMs: number;
  /** Long-polling hold, seconds (own bot only). */
  pollTimeoutSeconds: number;
}

interface AgentRef {
  id: string;
  handle: string;
  name: string;
}

type TopicFlag = 'ensure';

export class TelegramDesk implements Desk, DeskUpdateHandler {
  readonly name = 'telegram';
  private readonly api: TelegramDeskApi;
  private readonly mirror: TopicMirror;
  private readonly locks: TicketLocks;
  private readonly files: FileStore;
  private readonly settingsInForce: DeskSettings;
  private readonly tracker: StatusTracker;
  private readonly options: TelegramDeskOptions;
  private readonly keyPrefix: string;
  private readonly abort = new AbortController();
  private readonly topics: KeyedRunner<TopicFlag>;
  private readonly pumps: KeyedRunner<never>;
  /** Notices of one ticket are posted in the order of its events. */
  private readonly notices = new PerKeySerial();
  private readonly running = new Set<Promise<unknown>>();
  private detach: Array<() => void> = [];
  private me: { id: number; username: string } | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  /** Long polling of the desk's own bot, on the instance holding its lease. */
  private polling: LeasedPolling | undefined;
  private ledger: UpdateLedger | undefined;

  constructor(
    private readonly s: TelegramDeskSettings,
    private readonly deps: DeskDeps,
    options: Partial<TelegramDeskOptions> = {},
  ) {
    const { config } = deps;
    this.options = {
      postsPerMinute: options.postsPerMinute ?? config.TELEGRAM_DESK_POSTS_PER_MINUTE,
      timeZone: options.timeZone ?? DEFAULT_DESK_TIME_ZONE,
      sweepIntervalMs: options.sweepIntervalMs ?? config.DELIVERY_SWEEP_INTERVAL_MS,
      sweepGraceMs: options.sweepGraceMs ?? config.DELIVERY_SWEEP_GRACE_MS,
      staleClaimMs: options.staleClaimMs ?? 5 * 60_000,
      pollTimeoutSeconds: options.pollTimeoutSeconds ?? 25,
    };
    this.keyPrefix = `${config.REDIS_PREFIX}:telegram-desk`;
    this.tracker = new StatusTracker('connecting', s.sameBot ? 'same bot as the customer channel' : 'own bot, long polling');
    this.settingsInForce = deps.settings ?? new DeskSettings();
    this.files = deps.files ?? new FileStore(deps.db, config.ATTACHMENT_MAX_BYTES);
    this.api = new TelegramDeskApi({
      token: s.token,
      apiRoot: s.apiRoot,
      timeoutMs: config.OUTBOUND_TIMEOUT_MS,
      redis: deps.redis,
      ratePrefix: `${config.REDIS_PREFIX}:rate:telegram-desk`,
      postsPerMinute: this.options.postsPerMinute,
    });
    this.locks = new TicketLocks(deps.redis, `${this.keyPrefix}:lock`, LOCK_TTL_MS);
    this.mirror = new TopicMirror({
      db: deps.db,
      api: this.api,
      locks: this.locks,
      files: this.files,
      card: (ticketId) => this.cardFor(ticketId),
      cardPosted: (ticketId, card) => this.remember(ticketId, { card }),
    });
    const failed = (what: string) => (err: unknown, ticketId: string) => deps.log.error({ err: describe(err), desk: DESK, ticketId }, `Telegram desk: ${what} failed`);
    this.topics = new KeyedRunner<TopicFlag>((ticketId, flags) => this.syncTopic(ticketId, flags.has('ensure')), failed('topic'));
    this.pumps = new KeyedRunner<never>((ticketId) => this.pump(ticketId), failed('mirroring'));
  }

  status(): ChannelStatus {
    return this.tracker.get();
  }

  async start(): Promise<void> {
    const { events, botHandles } = this.deps;
    // Before anything awaits: the customer adapter may hand over an update any moment now.
    if (this.s.sameBot) this.detach.push(this.deps.telegramDeskTap!.attach(this));
    this.detach.push(
      events.on('ticket.handoff', (e) => this.topics.kick(e.ticketId, 'ensure')),
      // An agent-initiated ticket (origin agent) is people's from the start, whatever the bot does.
      events.on('ticket.created', (e) => (botHandles() && e.origin !== 'agent' ? undefined : this.topics.kick(e.ticketId, 'ensure'))),
      events.on('ticket.updated', (e) => this.topics.kick(e.ticketId)),
      events.on('message.received', (e) => this.pumps.kick(e.ticketId)),
      events.on('message.created', (e) => this.pumps.kick(e.ticketId)),
      // A customer's edit: the pump finds it in PostgreSQL (MessageEdit) and posts its note once.
      events.on('message.edited', (e) => this.pumps.kick(e.ticketId)),
      // An agent's edit made elsewhere (REST, Slack): noted in the topic the same way.
      events.on('reply.edited', (e) => this.pumps.kick(e.ticketId)),
      // SLA warnings and breaches, wake-ups, reassignments, low ratings, automation's notify.
      ...new DeskNotices(this.deps.db).subscribe(events, this.notices, (n) => this.postNotice(n)),
    );
    this.scheduleSweep(this.options.sweepIntervalMs);
    this.track(this.connect());
  }

  async stop(): Promise<void> {
    for (const off of this.detach) off();
    this.detach = [];
    clearTimeout(this.sweepTimer);
    this.abort.abort();
    await this.polling?.stop();
    await this.sweeping;
    while (this.running.size) await Promise.allSettled([...this.running]);
    await Promise.all([this.topics.idle(), this.pumps.idle(), this.notices.idle()]);
    this.tracker.set('disconnected');
  }

  /** Resolves once nothing the desk started is under way (for tests). */
  async idle(): Promise<void> {
    await Promise.all([this.topics.idle(), this.pumps.idle(), this.notices.idle()]);
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  // ---- Connecting, and the updates ----

  private async connect(): Promise<void> {
    const signal = this.abort.signal;
    for (let failures = 0; !signal.aborted; failures++) {
      try {
        this.me = await this.api.me();
        break;
      } catch (err) {
        this.tracker.set(failures > 2 ? 'error' : 'connecting', { lastError: describe(err) });
        if (failures === 0) this.deps.log.warn({ desk: DESK, err: describe(err) }, 'Telegram desk: getMe failed; retrying');
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)), signal);
      }
    }
    if (!this.me || signal.aborted) return;
    const detail = `group ${this.s.agentChatId}, @${this.me.username}${this.s.sameBot ? ' (the customer bot)' : ''}`;
    if (this.s.sameBot) {
      this.tracker.set('connected', { detail });
      return;
    }
    // A bot of its own: this desk is its one getUpdates consumer, on one instance at a time.
    const { config, redis, log } = this.deps;
    this.ledger = new RedisLedger(redis, `${config.REDIS_PREFIX}:telegram:${this.s.token.split(':')[0] ?? 'desk'}:update`);
    const lease = new RedisLease(redis, `${config.REDIS_PREFIX}:lease:telegram-desk`, log.child({ desk: DESK }), { ttlMs: config.POLLER_LEASE_TTL_MS });
    const newPoller = () =>
      new Poller(this.api.api, (u) => this.fromOwnBot(u), this.tracker, log.child({ desk: DESK }), { timeoutSeconds: this.options.pollTimeoutSeconds, allowedUpdates: ['message', 'edited_message'] }, detail);
    this.polling = new LeasedPolling(lease, this.tracker, newPoller, `${STANDBY_DETAIL}, ${detail}`);
    this.polling.start(signal);
  }

  /** An update polled by the desk's own bot: claimed by update_id first, so a redelivery does nothing. */
  private async fromOwnBot(update: Update): Promise<UpdateOutcome> {
    const ledger = this.ledger!;
    if (!(await ledger.claim(update.update_id).catch(() => null))) return 'done';
    const outcome = await this.handle(update);
    if (outcome === 'retry') await ledger.release(update.update_id).catch(() => undefined);
    return outcome;
  }

  /** The tap asks: is this update from one of the agents' chats? */
  wants(update: Update): boolean {
    const chat = (update.message ?? update.edited_message ?? update.callback_query?.message)?.chat;
    return chat !== undefined && this.deskChats().has(String(chat.id));
  }

  /** Handles an update from an agents' chat: 'retry' when the database or Redis failed (it comes again). */
  async handle(update: Update): Promise<UpdateOutcome> {
    const msg = update.message ?? update.edited_message;
    if (!msg?.from || msg.from.is_bot || !this.deskChats().has(String(msg.chat.id))) return 'done';
    try {
      if (update.edited_message) await this.onEdited(msg);
      else await this.onMessage(msg);
      return 'done';
    } catch (err) {
      this.deps.log.error({ desk: DESK, err: describe(err), chatId: msg.chat.id, messageId: msg.message_id }, 'Telegram desk: an agent message failed; it will come again');
      return 'retry';
    }
  }

  /** The agents' chats: the desk's group, the teams' groups and the supervisors' chat, as configured now. */
  private deskChats(): Set<string> {
    const config = this.settingsInForce.current;
    const chats = new Set([this.s.agentChatId]);
    for (const team of config.teams) if (team.telegramChatId) chats.add(team.telegramChatId);
    if (config.supervisor?.telegramChatId) chats.add(config.supervisor.telegramChatId);
    return chats;
  }

  // ---- What agents write ----

  private async onMessage(msg: Message & { from: NonNullable<Message['from']> }): Promise<void> {
    const chatId = String(msg.chat.id);
    const command = parseCommand(msg, this.me?.username);
    const target = await this.ticketOf(chatId, msg);
    // Talk among agents outside any ticket is none of the desk's business.
    if (!target && !command) return;
    const agent = await this.identify(msg.from.id);
    if (!agent) {
      await this.refuse(chatId, msg);
      return;
    }
    const claim = `cmd:${chatId}:${msg.message_id}`;
    if (command && (GENERAL_COMMANDS.has(command.name) || !TICKET_COMMANDS.has(command.name))) {
      if (!(await this.claimOnce(claim, COMMAND_TTL_S))) return;
      const answer = await this.general(command, agent).catch(async (err: unknown) => {
        // Not done: let the redelivery try again.
        await this.deps.redis.del(`${this.keyPrefix}:${claim}`).catch(() => undefined);
        throw err;
      });
      await this.say(chatId, msg, answer);
      return;
    }
    if (!target) {
      if (!(await this.claimOnce(claim, COMMAND_TTL_S))) return;
      await this.say(chatId, msg, `/${command!.name} works inside a ticket’s topic (in a plain group: as a reply to the ticket’s messages).`);
      return;
    }
    // The agent's message belongs to the ticket from now on (a reply to it maps there too); its
    // row is also the claim that makes a redelivered update do nothing.
    const claimed = await this.deps.db.deskMessage.createMany({ data: [{ desk: DESK, chatId, messageId: String(msg.message_id), ticketId: target.ticketId }], skipDuplicates: true });
    if (claimed.count === 0) return;
    try {
      const problem = command ? await this.onTicketCommand(command, msg, agent, target) : await this.onReply(msg, agent, target);
      if (problem) await this.say(chatId, msg, problem);
      else await this.api.react(chatId, msg.message_id, '👍').catch(() => undefined);
    } catch (err) {
      if (isRefusal(err)) {
        await this.say(chatId, msg, `#${target.number}: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      // Not done: let the redelivery try again.
      await this.deps.db.deskMessage.deleteMany({ where: { desk: DESK, chatId, messageId: String(msg.message_id) } }).catch(() => undefined);
      throw err;
    }
  }

  /** The ticket a message is about: its forum topic, else the desk message it replies to. */
  private async ticketOf(chatId: string, msg: Message): Promise<{ ticketId: string; number: number; ref: TopicRef | null } | null> {
    const { db } = this.deps;
    let ticketId: string | undefined;
    if (msg.is_topic_message && msg.message_thread_id !== undefined) {
      const row = await db.deskThread.findFirst({ where: { desk: DESK, chatId, threadId: String(msg.message_thread_id) }, select: { ticketId: true } });
      ticketId = row?.ticketId;
    }
    const replyTo = msg.reply_to_message?.message_id;
    if (!ticketId && replyTo !== undefined) {
      const row = await db.deskMessage.findUnique({ where: { desk_chatId_messageId: { desk: DESK, chatId, messageId: String(replyTo) } }, select: { ticketId: true } });
      ticketId = row?.ticketId;
    }
    if (!ticketId) return null;
    const ticket = await db.ticket.findUnique({ where: { id: ticketId }, select: { number: true } });
    return ticket ? { ticketId, number: ticket.number, ref: await this.mirror.topicOf(ticketId) } : null;
  }

  /** An agent's message to the customer: text and files, as that agent (`!shortcut` alone sends that canned response). */
  private async onReply(msg: Message, agent: AgentRef, target: { ticketId: string; number: number; ref: TopicRef | null }): Promise<string | undefined> {
    const text = msg.text ?? msg.caption ?? '';
    let attachments: Attachment[];
    try {
      attachments = await this.agentFiles(msg);
    } catch (err) {
      // Nothing is sent: a reply without the file the agent meant to send would mislead the customer.
      if (err instanceof FileTooLargeError) return `Not sent: the file is larger than the ${Math.floor(err.maxBytes / 1048576)} MB the desk keeps (ATTACHMENT_MAX_BYTES).`;
      return `Not sent: the file could not be fetched from Telegram (${describe(err)}); send it again.`;
    }
    const shortcut = this.deps.canned && msg.text ? CANNED_SHORTCUT.exec(msg.text)?.[1] : undefined;
    if (shortcut !== undefined && this.deps.canned) {
      // Unlike a typed reply it is mirrored into the topic: the agent typed only the shortcut.
      await this.deps.canned.send(target.number, shortcut, agent.handle);
      return undefined;
    }
    if (!text.trim() && !attachments.length) return undefined;
    await this.asOwn(target, msg, () => this.deps.tickets.reply(target.number, { text, agent: agent.handle, ...(attachments.length ? { attachments } : {}) }));
    return undefined;
  }

  /**
   * Runs a reply or note under the ticket's lock and marks it as already in the topic, so it is not
   * mirrored back; remembers which reply the agent's message became, for their edits of it.
   */
  private async asOwn(target: { ticketId: string; ref: TopicRef | null }, msg: Message, write: () => Promise<{ messageId: string }>): Promise<void> {
    const release = await this.locks.acquire(target.ticketId, LOCK_WAIT_MS, this.abort.signal);
    try {
      const { messageId } = await write();
      // The reply is committed and queued: a failure from here on must not make the update come
      // again (the customer would get it twice). The mapping serves only later edits of it.
      await this.deps.db.deskMessage
        .createMany({ data: [{ desk: REPLY, chatId: `${msg.chat.id}/${msg.message_id}`, messageId, ticketId: target.ticketId }], skipDuplicates: true })
        .catch((err: unknown) => this.deps.log.warn({ err: describe(err), desk: DESK, ticketId: target.ticketId, messageId }, "Telegram desk: the agent's message was not mapped to its reply (editing it there will not edit the reply)"));
      if (target.ref) await this.mirror.markOwn(target.ref, messageId);
    } finally {
      await release?.();
    }
  }

  /**
   * An agent edited their reply (or /note) in the topic: it takes the new text, and the customer's
   * copy is edited where their channel can. The same text again changes nothing (a redelivered
   * update); the edit is marked as already in the topic, so no note of it is posted there.
   */
  private async onEdited(msg: Message & { from: NonNullable<Message['from']> }): Promise<void> {
    const edits = this.deps.edits;
    if (!edits) return;
    const chatId = String(msg.chat.id);
    const row = await this.deps.db.deskMessage.findFirst({ where: { desk: REPLY, chatId: `${chatId}/${msg.message_id}` }, select: { messageId: true, ticketId: true } });
    if (!row) return;
    const agent = await this.identify(msg.from.id);
    if (!agent) return;
    const command = parseCommand(msg, this.me?.username);
    if (command && command.name !== 'note') return;
    const text = command ? command.args : (msg.text ?? msg.caption ?? '');
    const editedAt = msg.edit_date ? new Date(msg.edit_date * 1000) : undefined;
    const ref = await this.mirror.topicOf(row.ticketId);
    const release = await this.locks.acquire(row.ticketId, LOCK_WAIT_MS, this.abort.signal);
    try {
      const outcome = await edits.edit({ messageId: row.messageId, text, actor: { agentId: agent.id, name: agent.name, admin: false }, ...(editedAt ? { editedAt } : {}) });
      if (outcome.kind === 'edited' && ref) await this.mirror.markEditOwn(ref, row.messageId, outcome.editId);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      await this.say(chatId, msg, `Not edited: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await release?.();
    }
  }

  /** The ticket commands; resolves with a problem to tell the agent, or undefined when done. */
  private async onTicketCommand(c: DeskCommand, msg: Message, agent: AgentRef, target: { ticketId: string; number: number; ref: TopicRef | null }): Promise<string | undefined> {
    const { tickets } = this.deps;
    const actor: Actor = { kind: 'agent', name: agent.name, agentId: agent.id };
    const n = target.number;
    switch (c.name) {
      case 'note':
        if (!c.args) return 'Usage: /note <text> adds an internal note (the customer never sees it).';
        await this.asOwn(target, msg, () => tickets.reply(n, { text: c.args, internal: true, agent: agent.handle }));
        return undefined;
      case 'take':
        await tickets.update(n, { assignee: agent.handle }, actor);
        return undefined;
      case 'resolve':
        await tickets.update(n, { status: 'resolved' }, actor);
        return undefined;
      case 'snooze': {
        const [when = '', ...rest] = c.args.split(/\s+/);
        const until = parseSnooze(when, new Date(), this.options.timeZone);
        if (!until) return 'Usage: /snooze 2h | 90m | 1d | tomorrow [reason]: the ticket is pending until then.';
        const reason = rest.join(' ').trim();
        await tickets.update(n, { status: 'pending', pendingUntil: until, ...(reason ? { reason } : {}) }, actor);
        return undefined;
      }
      case 'priority': {
        const priority = PRIORITIES.find((p) => p === c.args.trim().toLowerCase());
        if (!priority) return `Usage: /priority ${PRIORITIES.join('|')}`;
        await tickets.update(n, { priority }, actor);
        return undefined;
      }
      case 'assign': {
        const who = assignTarget(msg, c.args);
        if (!who) return 'Usage: /assign @handle (the agent’s handle in the desk).';
        let handle: string;
        if ('handle' in who) handle = who.handle;
        else {
          const found = await this.deps.db.agent.findFirst({ where: { telegramUserId: who.telegramUserId, active: true }, select: { handle: true } });
          if (!found) return 'That Telegram user is not an agent of the desk.';
          handle = found.handle;
        }
        await tickets.update(n, { assignee: handle }, actor);
        return undefined;
      }
      default:
        return HELP;
    }
  }

  /** /next, /mine, /help (and unknown commands): the answer to post. */
  private async general(c: DeskCommand, agent: AgentRef): Promise<string> {
    const { db } = this.deps;
    if (c.name === 'next') {
      try {
        const pulled = await this.deps.next(agent.handle);
        if (!pulled.ticket) return 'The queue is empty: no ticket waits for you.';
        const ref = await this.mirror.topicOf(pulled.ticket.id);
        const link = ref && isForumThread(ref.threadId) ? topicLink(ref.chatId, ref.threadId) : undefined;
        return `You took ticket #${pulled.ticket.number}.${link ? ` ${link}` : ''}`;
      } catch (err) {
        if (err instanceof AtCapacityError || isRefusal(err)) return err instanceof Error ? err.message : String(err);
        throw err;
      }
    }
    if (c.name === 'mine') {
      const mine = await db.ticket.findMany({
        where: { assigneeId: agent.id, status: { in: ['new', 'open', 'pending'] } },
        orderBy: { createdAt: 'asc' },
        take: 20,
        select: { id: true, number: true, status: true, priority: true, contact: { select: { name: true } }, deskThreads: { where: { desk: DESK }, select: { chatId: true, threadId: true } } },
      });
      if (!mine.length) return 'You have no open tickets.';
      const lines = mine.map((t) => {
        const thread = t.deskThreads[0];
        const link = thread?.threadId && isForumThread(thread.threadId) ? topicLink(thread.chatId, thread.threadId) : undefined;
        return `• #${t.number} · ${t.contact.name ?? 'Customer'} · ${t.status} · ${t.priority}${link ? ` · ${link}` : ''}`;
      });
      return ['Your open tickets:', ...lines].join('\n');
    }
    return HELP;
  }

  /** The agent's files, downloaded from Telegram into the file store, as reply attachments. */
  private async agentFiles(msg: Message): Promise<Attachment[]> {
    const fetch = telegramFileFetcher(this.api.api, { token: this.s.token, apiRoot: this.s.apiRoot, timeoutMs: this.deps.config.OUTBOUND_TIMEOUT_MS });
    const out: Attachment[] = [];
    for (const a of attachmentsOf(msg, fetch)) {
      const { download, ...plain } = a;
      if (!download) {
        out.push(plain);
        continue;
      }
      const got = await download({ maxBytes: this.files.maxBytes, signal: AbortSignal.timeout(AGENT_FILE_TIMEOUT_MS) });
      const stored = await this.files.save({ data: got.data, mimeType: got.mimeType ?? a.mimeType, name: got.name ?? a.name });
      out.push({ ...storedAttachment(stored), kind: a.kind === 'sticker' ? 'photo' : a.kind });
    }
    return out;
  }

  private async identify(telegramUserId: number): Promise<AgentRef | null> {
    return this.deps.db.agent.findFirst({ where: { telegramUserId: String(telegramUserId), active: true }, select: { id: true, handle: true, name: true } });
  }

  /** A stranger tried to act: told once a minute at most (a spammer cannot use up the group's posts). */
  private async refuse(chatId: string, msg: Message): Promise<void> {
    if (await this.claimOnce(`refused:${chatId}:${msg.from?.id ?? 'anon'}`, REFUSAL_TTL_S)) await this.say(chatId, msg, REFUSAL);
  }

  /** Answers an agent's message in place (its topic, as a reply), within the group's flood limit. */
  private async say(chatId: string, msg: Message, text: string): Promise<void> {
    if (!(await this.api.slot(chatId, this.abort.signal))) return;
    const threadId = msg.is_topic_message ? msg.message_thread_id : undefined;
    await this.api.send(chatId, text.slice(0, 4096), { ...(threadId !== undefined ? { threadId } : {}), replyTo: msg.message_id }).catch((err: unknown) => {
      this.deps.log.warn({ desk: DESK, err: describe(err), chatId }, 'Telegram desk: an answer to an agent was not posted');
    });
  }

  /**
   * A notice (src/desks/notices.ts) in the ticket's topic (else the agents' group), the team's
   * group, or the supervisors' chat, within each group's flood limit.
   */
  private async postNotice(notice: DeskNotice): Promise<void> {
    const current = this.settingsInForce.current;
    for (const { place, parts } of notice.posts) {
      let target: { chatId: string; place: PostPlace } | null;
      if (place === 'supervisor') {
        const chatId = current.supervisor?.telegramChatId;
        target = chatId ? { chatId, place: {} } : null;
      } else {
        const teamChat = place === 'team' && notice.team ? current.teams.find((t) => t.name === notice.team)?.telegramChatId : undefined;
        const ref = teamChat ? null : await this.mirror.topicOf(notice.ticketId);
        target = teamChat ? { chatId: teamChat, place: {} } : ref ? { chatId: ref.chatId, place: placeOf(ref) } : { chatId: this.s.agentChatId, place: {} };
      }
      if (!target || !(await this.api.slot(target.chatId, this.abort.signal))) continue;
      const { text, entities } = noticeText(notice.icon, parts, this.options.timeZone);
      await this.api.send(target.chatId, text, target.place, entities);
    }
  }

  // ---- Topics ----

  /** Creates the ticket's topic when it should have one and has none; else brings its name, card and group up to date. */
  private async syncTopic(ticketId: string, ensure: boolean): Promise<void> {
    const view = await this.view(ticketId);
    if (!view) return;
    const wanted = this.chatFor(view.ticket.team);
    if (ensure) {
      const claimed = await this.deps.db.deskThread.createMany({ data: [{ desk: DESK, ticketId, chatId: wanted }], skipDuplicates: true });
      if (claimed.count === 1) {
        await this.openTopic(ticketId, wanted);
        return;
      }
    }
    const ref = await this.mirror.topicOf(ticketId);
    if (!ref) return;
    try {
      const closed = view.ticket.status === 'resolved' || view.ticket.status === 'closed';
      if (wanted !== ref.chatId && !closed) await this.move(ref, wanted, view.ticket.team);
      else await this.refresh(ref, view.ticket);
    } catch (err) {
      if (!(err instanceof TopicGone)) throw err;
      await this.recreate(ref);
    }
  }

  /**
   * Opens the topic of a claimed row (threadId still null): a forum topic, or the card of a plain
   * group. The card and the story so far follow through the pump. Undone if it fails, for a later try.
   */
  private async openTopic(ticketId: string, chatId: string): Promise<void> {
    const { db } = this.deps;
    const where = { desk: DESK, ticketId, threadId: null };
    // Keeps the claim fresh while waiting for the group's slot, so the sweep does not take it for abandoned.
    const keepAlive = async (): Promise<void> => void (await db.deskThread.updateMany({ where, data: { chatId } }));
    try {
      const view = await this.view(ticketId);
      if (!view) throw new NotFoundError('the ticket is gone');
      const forum = await this.api.isForum(chatId);
      if (!(await this.api.slot(chatId, this.abort.signal, keepAlive))) throw new Error('the desk is stopping');
      if (forum) {
        const name = topicName(view.ticket);
        const threadId = String(await this.api.createTopic(chatId, name));
        await db.deskThread.updateMany({ where, data: { threadId } });
        await this.remember(ticketId, { name });
      } else {
        // A plain group: the card is the ticket's thread; posts reply to it.
        const card = cardText(view.ticket, { forum: false, timeZone: this.options.timeZone });
        const cardId = await this.api.send(chatId, card);
        const threadId = `card:${cardId}`;
        await db.$transaction([
          db.deskThread.updateMany({ where, data: { threadId } }),
          db.deskMessage.createMany({
            data: [
              { desk: DESK, chatId, messageId: String(cardId), ticketId },
              { desk: CARD, chatId: topicKey({ chatId, threadId }), messageId: String(cardId), ticketId },
            ],
            skipDuplicates: true,
          }),
        ]);
        await this.remember(ticketId, { card });
      }
    } catch (err) {
      await db.deskThread.deleteMany({ where });
      throw err;
    }
    this.pumps.kick(ticketId);
  }

  /** Renames the topic and edits the card when what they show changed. */
  private async refresh(ref: TopicRef, ticket: TicketView): Promise<void> {
    const shownKey = `${this.keyPrefix}:shown:${ref.ticketId}`;
    const shown = await this.deps.redis.hgetall(shownKey);
    const forum = isForumThread(ref.threadId);
    const name = topicName(ticket);
    if (forum && shown.name !== name) {
      if (!(await this.api.slot(ref.chatId, this.abort.signal))) return;
      await this.api.renameTopic(ref.chatId, Number(ref.threadId), name);
      await this.remember(ref.ticketId, { name });
    }
    const card = cardText(ticket, { forum, timeZone: this.options.timeZone });
    if (shown.card === card) return;
    const row = await this.deps.db.deskMessage.findFirst({ where: { desk: CARD, chatId: topicKey(ref), ticketId: ref.ticketId }, select: { messageId: true } });
    // No card yet: the pump posts it with the ticket as it is then.
    if (!row) return;
    await this.api.edit(ref.chatId, Number(row.messageId), card);
    await this.remember(ref.ticketId, { card });
  }

  /** The ticket went to a team with a group of its own: a note in the old topic, and a new topic there with the whole story. */
  private async move(ref: TopicRef, chatId: string, team: string | null): Promise<void> {
    const { db } = this.deps;
    const moved = await db.deskThread.updateMany({ where: { desk: DESK, ticketId: ref.ticketId, threadId: ref.threadId }, data: { chatId, threadId: null } });
    if (moved.count === 0) return;
    await this.deps.redis.del(`${this.keyPrefix}:shown:${ref.ticketId}`);
    if (await this.api.slot(ref.chatId, this.abort.signal)) {
      await this.api.send(ref.chatId, `➡️ Moved to ${team ? `team ${team}’s` : 'the desk’s'} group.`, placeOf(ref)).catch(() => undefined);
    }
    await this.openTopic(ref.ticketId, chatId);
  }

  /** The topic was deleted in Telegram: the ticket gets a new one, with the whole story. */
  private async recreate(ref: TopicRef): Promise<void> {
    const { db } = this.deps;
    const gone = await db.deskThread.updateMany({ where: { desk: DESK, ticketId: ref.ticketId, threadId: ref.threadId }, data: { threadId: null } });
    if (gone.count === 0) return;
    this.deps.log.warn({ desk: DESK, ticketId: ref.ticketId, chatId: ref.chatId }, 'Telegram desk: a ticket topic was deleted; opening a new one');
    await this.deps.redis.del(`${this.keyPrefix}:shown:${ref.ticketId}`);
    await this.openTopic(ref.ticketId, ref.chatId);
  }

  private async pump(ticketId: string): Promise<void> {
    try {
      await this.mirror.pump(ticketId, this.abort.signal);
    } catch (err) {
      if (!(err instanceof TopicGone)) throw err;
      const ref = await this.mirror.topicOf(ticketId);
      if (ref) await this.recreate(ref);
    }
  }

  /** The card as it should read now, for the pump to post as a topic's first message. */
  private async cardFor(ticketId: string): Promise<string | null> {
    const view = await this.view(ticketId);
    return view ? cardText(view.ticket, { forum: true, timeZone: this.options.timeZone }) : null;
  }

  private async remember(ticketId: string, shown: { name?: string; card?: string }): Promise<void> {
    const key = `${this.keyPrefix}:shown:${ticketId}`;
    await this.deps.redis.multi().hset(key, shown).expire(key, SHOWN_TTL_S).exec();
  }

  /** The group a ticket's topic belongs in: its team's own, else the desk's. */
  private chatFor(team: string | null): string {
    const own = team ? this.settingsInForce.current.teams.find((t) => t.name === team)?.telegramChatId : undefined;
    return own ?? this.s.agentChatId;
  }

  private async view(ticketId: string): Promise<{ ticket: TicketView } | null> {
    const t = await this.deps.db.ticket.findUnique({
      where: { id: ticketId },
      select: {
        number: true, status: true, priority: true, line: true, channel: true, category: true, firstResponseDueAt: true, pendingUntil: true, mergedIntoId: true,
        contact: { select: { name: true } },
        assignee: { select: { handle: true, name: true } },
        team: { select: { name: true } },
      },
    });
    if (!t || t.mergedIntoId) return null;
    const category = t.category ? (this.settingsInForce.current.categories.find((c) => c.path === t.category)?.title.ru ?? t.category) : null;
    return {
      ticket: {
        number: t.number, status: t.status, priority: t.priority, line: t.line, channel: t.channel, customerName: t.contact.name, categoryTitle: category,
        assignee: t.assignee, team: t.team?.name ?? null, firstResponseDueAt: t.firstResponseDueAt, pendingUntil: t.pendingUntil,
      },
    };
  }

  // ---- The sweep: what no event will bring ----

  private scheduleSweep(ms: number): void {
    if (this.abort.signal.aborted) return;
    this.sweepTimer = setTimeout(() => {
      this.sweeping = this.sweep()
        .catch((err: unknown) => this.deps.log.warn({ desk: DESK, err: describe(err) }, 'Telegram desk: sweep failed'))
        .finally(() => this.scheduleSweep(this.options.sweepIntervalMs));
    }, ms);
    this.sweepTimer.unref();
  }

  /**
   * On every instance, every sweep interval: topic claims abandoned by a dead instance are
   * dropped and opened again; topics with messages or customers' edits not yet mirrored (the
   * process died mid-burst, Telegram was away) are pumped. Both are safe to run anywhere at once (claims, locks, marks).
   * Closed tickets' topics are left out, so the work stays bounded by the open tickets.
   */
  private async sweep(): Promise<void> {
    const { db } = this.deps;
    const stale = new Date(Date.now() - this.options.staleClaimMs);
    const abandoned = await db.deskThread.findMany({ where: { desk: DESK, threadId: null, updatedAt: { lt: stale } }, select: { id: true, ticketId: true }, take: 50 });
    for (const claim of abandoned) {
      const dropped = await db.deskThread.deleteMany({ where: { id: claim.id, threadId: null, updatedAt: { lt: stale } } });
      if (dropped.count) this.topics.kick(claim.ticketId, 'ensure');
    }
    const grace = new Date(Date.now() - this.options.sweepGraceMs);
    const window = new Date(Date.now() - MIRROR_WINDOW_MS);
    const behind = await db.$queryRaw<Array<{ ticketId: string }>>`
      SELECT t."ticketId" FROM "DeskThread" t
      JOIN "Ticket" k ON k."id" = t."ticketId" AND k."status" <> 'closed'
      WHERE t."desk" = ${DESK} AND t."threadId" IS NOT NULL AND (
        (t."updatedAt" < ${grace} AND NOT EXISTS (
          SELECT 1 FROM "DeskMessage" c WHERE c."desk" = ${CARD} AND c."chatId" = t."chatId" || '/' || t."threadId"))
        OR EXISTS (
          SELECT 1 FROM "Message" m
          WHERE m."ticketId" = t."ticketId" AND m."createdAt" < ${grace} AND m."createdAt" > ${window}
            AND NOT EXISTS (
              SELECT 1 FROM "DeskMessage" d
              WHERE d."desk" = ${MIRRORED} AND d."chatId" = t."chatId" || '/' || t."threadId" AND d."messageId" = m."id"::text))
        OR EXISTS (
          SELECT 1 FROM "MessageEdit" e
          JOIN "Message" m ON m."id" = e."messageId" AND m."ticketId" = t."ticketId"
          JOIN "DeskMessage" c ON c."desk" = ${CARD} AND c."chatId" = t."chatId" || '/' || t."threadId" AND c."createdAt" < e."createdAt"
          WHERE e."createdAt" < ${grace} AND e."createdAt" > ${window}
            AND NOT EXISTS (
              SELECT 1 FROM "DeskMessage" d
              WHERE d."desk" = ${MIRRORED} AND d."chatId" = t."chatId" || '/' || t."threadId" AND d."messageId" = m."id"::text || ':e' || e."id"::text)))
      LIMIT 200`;
    for (const { ticketId } of behind) this.pumps.kick(ticketId);
  }

  // ---- Plumbing ----

  /** True the first time a key is claimed (shared by every instance, through Redis). */
  private async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.deps.redis.set(`${this.keyPrefix}:${key}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  private track(work: Promise<unknown>): void {
    const run = work.catch((err: unknown) => this.deps.log.error({ err: describe(err), desk: DESK }, 'Telegram desk: background work failed'));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}

/** A refusal of the core (unknown agent, a closed ticket …): told to the agent, not retried. */
function isRefusal(err: unknown): boolean {
  return err instanceof ValidationError || err instanceof NotFoundError || err instanceof ConflictError || err instanceof ForbiddenError;
}
