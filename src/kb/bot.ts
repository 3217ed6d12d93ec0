/**
 * The knowledge-base bot: a listener on the core's `message.received` event (the core never
 * imports it; app.ts wires it in). For each new customer message in a ticket the bot still
 * holds (`botActive`), it answers from the KB, offers articles, closes the ticket as a
 * deflection when the customer says the answer helped, or hands the ticket to a person.
 *
 * One transaction per message: it locks the ticket (so an agent's reply and the bot cannot
 * interleave, and a ticket an agent just took stays silent), records the turn keyed by the
 * customer's message (so a message seen twice is answered once), and writes the bot's reply
 * through the Outbox (delivered by the delivery queue like any reply, crash-safe).
 */
import { audit } from '../core/audit.js';
import type { DeskSettings } from '../core/deskSettings.js';
import { handToPeople } from '../core/handoff.js';
import type { Actor, EventBus } from '../core/events.js';
import type { Button } from '../core/model.js';
import type { Outbox, OutgoingMessage, TicketTarget } from '../core/outbox.js';
import { customerLang } from '../core/notify/lang.js';
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { KbLang } from './article.js';
import { renderPlan } from './bot-messages.js';
import { planTurn, promptOf, type BotPlan } from './bot-plan.js';
import type { KbService } from './kb-service.js';
import { detectLanguage } from './normalize.js';
import type { PolicyThresholds } from './policy.js';
import { BOT_TEXTS } from './texts.js';

export interface KbBotOptions {
  thresholds: PolicyThresholds;
}

/** The event the bot handles (the core's `message.received`). */
export interface ReceivedMessage {
  ticketId: string;
  messageId: string;
  text: string;
  buttonId?: string;
}

type Changes = Record<string, { from: unknown; to: unknown }>;

interface Turn {
  ticket: TicketTarget;
  plan: BotPlan;
  messages: Array<{ id: string; message: OutgoingMessage }>;
  changes: Changes;
  actor: Actor;
}

export class KbBot {
  /** Turns in progress, so `close` can let them finish. */
  private readonly running = new Set<Promise<unknown>>();
  private detach: (() => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly kb: KbService,
    private readonly outbox: Outbox,
    private readonly events: EventBus,
    private readonly log: Logger,
    private readonly options: KbBotOptions,
    /** The desk settings in force: the SLA policies a handoff starts the clock of. */
    private readonly settings: DeskSettings,
  ) {}

  /** Starts listening to new customer messages. */
  attach(): void {
    this.detach ??= this.events.on('message.received', (e) => {
      const run = this.handle(e);
      this.running.add(run);
      return run.finally(() => this.running.delete(run));
    });
  }

  /** Stops listening and waits for the turns under way (call before the delivery queue closes). */
  async close(): Promise<void> {
    this.detach?.();
    this.detach = null;
    await Promise.allSettled([...this.running]);
  }

  /** Acts on one customer message; returns what the bot did, or null when it stayed silent. */
  async handle(e: ReceivedMessage): Promise<BotPlan['action'] | null> {
    // With nothing to answer from, the bot stays out of the way rather than announce a handoff on every ticket.
    if (this.kb.size === 0) return null;
    const turn = await this.db.$transaction((tx) => this.decideAndWrite(tx, e));
    if (!turn) return null;
    for (const { id, message } of turn.messages) await this.outbox.dispatch(turn.ticket, id, message);
    const ref = { ticketId: turn.ticket.id, ticketNumber: turn.ticket.number, conversationId: turn.ticket.conversationId, channel: turn.ticket.channel };
    if (Object.keys(turn.changes).length) this.events.publish('ticket.updated', { ...ref, changes: turn.changes, actor: turn.actor });
    if (turn.plan.action === 'handoff') this.events.publish('ticket.handoff', { ...ref, reason: turn.plan.reason, actor: turn.actor });
    this.log.info({ ticket: turn.ticket.number, ...summary(turn.plan) }, 'kb bot turn');
    return turn.plan.action;
  }

  private async decideAndWrite(tx: Prisma.TransactionClient, e: ReceivedMessage): Promise<Turn | null> {
    const ticket = await lockTicket(tx, e.ticketId);
    if (!ticket || !ticket.botActive || ticket.status === 'closed') return null;
    const message = await tx.message.findUnique({
      where: { id: e.messageId },
      select: { seq: true, direction: true, authorKind: true, ticketId: true },
    });
    // Only a customer's own message, in this ticket: never a note, an agent's or the bot's own.
    if (!message || message.direction !== 'inbound' || message.authorKind !== 'customer' || message.ticketId !== ticket.id) return null;

    // "Right after the question": what the last message the customer saw asked, if the bot wrote it.
    const last = await tx.message.findFirst({
      where: { ticketId: ticket.id, direction: 'outbound', authorKind: { not: 'note' }, seq: { lt: message.seq } },
      orderBy: { seq: 'desc' },
      select: { authorKind: true, buttons: true },
    });
    const prompt = last?.authorKind === 'bot' ? promptOf((last.buttons ?? []) as unknown as Button[]) : null;
    const plan = planTurn({ text: e.text, buttonId: e.buttonId, prompt }, this.kb, this.options.thresholds);
    const lang = plan.action === 'answer' ? plan.article.lang : await this.languageOf(tx, e.text, ticket);
    // "Thanks!" after the bot solved the ticket reopened it (the core reopens on any customer message);
    // it stays solved while nothing but small talk came since the deflection.
    const thanksForDeflection = plan.action === 'smalltalk' && plan.kind === 'closing' && ticket.status === 'open' &&
      (await tx.botTurn.findFirst({
        where: { ticketId: ticket.id, action: { not: 'smalltalk' } }, orderBy: { createdAt: 'desc' }, select: { action: true },
      }))?.action === 'deflected';

    const claimed = await tx.botTurn.createMany({
      data: [{ messageId: e.messageId, ticketId: ticket.id, lang, ...summary(plan) }],
      skipDuplicates: true,
    });
    if (claimed.count === 0) return null; // this message was handled already

    const actor: Actor = { kind: 'bot', name: BOT_TEXTS[lang].botName };
    const messages = [];
    for (const m of renderPlan(plan, lang, ticket.channel)) messages.push({ id: await this.outbox.write(tx, ticket, m), message: m });

    const changes: Changes = {};
    if (plan.action === 'handoff') {
      // People get the ticket, and their SLA clock starts now.
      Object.assign(changes, await handToPeople(tx, ticket.id, this.settings.sla, actor));
      await audit(tx, ticket.id, 'bot.handoff', actor, { reason: plan.reason });
    } else if (plan.action === 'deflected') {
      if (ticket.status !== 'resolved') await resolve(tx, ticket, actor, changes);
      // The record reports count deflections by.
      await audit(tx, ticket.id, 'bot.deflected', actor, { articleId: plan.articleId });
    } else if (thanksForDeflection) {
      await resolve(tx, ticket, actor, changes);
    }
    return { ticket, plan, messages, changes, actor };
  }

  /**
   * The language to speak: the message's own, or, for a message without words ("2", an emoji, a
   * photo), the one the bot spoke last in this ticket, else the contact's.
   */
  private async languageOf(tx: Prisma.TransactionClient, text: string, ticket: LockedTicket): Promise<KbLang> {
    if (/[a-zа-яё]/iu.test(text)) return detectLanguage(text);
    const previous = await tx.botTurn.findFirst({ where: { ticketId: ticket.id }, orderBy: { createdAt: 'desc' }, select: { lang: true } });
    if (previous?.lang === 'ru' || previous?.lang === 'en') return previous.lang;
    return customerLang(ticket.contactLanguage);
  }
}

type LockedTicket = TicketTarget & { status: string; botActive: boolean; contactLanguage: string | null };

/** Reads a ticket and its customer's language, and holds the ticket's row lock until the transaction ends (one statement). */
async function lockTicket(tx: Prisma.TransactionClient, ticketId: string): Promise<LockedTicket | null> {
  const rows = await tx.$queryRaw<LockedTicket[]>`
    SELECT t."id", t."number", t."conversationId", t."channel"::text AS "channel", t."status"::text AS "status", t."botActive",
           c."language" AS "contactLanguage"
    FROM "Ticket" t JOIN "Contact" c ON c."id" = t."contactId"
    WHERE t."id" = ${ticketId}::uuid FOR UPDATE OF t`;
  return rows[0] ?? null;
}

/** Marks the ticket resolved by the bot. */
async function resolve(tx: Prisma.TransactionClient, ticket: LockedTicket, actor: Actor, changes: Changes): Promise<void> {
  await tx.ticket.update({ where: { id: ticket.id }, data: { status: 'resolved', resolvedAt: new Date(), pendingUntil: null } });
  changes.status = { from: ticket.status, to: 'resolved' };
  await audit(tx, ticket.id, 'status_changed', actor, changes.status);
}

/** The turn as recorded in BotTurn (and logged). */
function summary(plan: BotPlan): { action: string; reason: string | null; articleId: string | null; confidence: number | null } {
  switch (plan.action) {
    case 'answer':
      return { action: plan.action, reason: null, articleId: plan.article.id, confidence: plan.confidence };
    case 'suggest':
      return { action: plan.action, reason: null, articleId: plan.candidates[0]?.article.id ?? null, confidence: plan.candidates[0]?.confidence ?? null };
    case 'deflected':
      return { action: plan.action, reason: null, articleId: plan.articleId, confidence: null };
    case 'smalltalk':
      return { action: plan.action, reason: plan.kind, articleId: null, confidence: null };
    case 'handoff':
      return { action: plan.action, reason: plan.reason, articleId: null, confidence: plan.confidence };
  }
}
