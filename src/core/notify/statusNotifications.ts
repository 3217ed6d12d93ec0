/**
 * Status notifications: a listener on `ticket.updated` that tells the customer, in their
 * language and on their channel (a system message through the Outbox), when
 *
 * - an agent takes the ticket (`taken`: "Иван занимается вашим вопросом"): the assignee was set
 *   by an update (Take, `/desk next`, automatic assignment, a reassignment), not by the agent's own
 *   first reply, which the customer is reading anyway;
 * - the ticket is set pending with a reason (`pending`, with {{reason}}): an agent waiting for
 *   the customer says why; a snooze without a reason is the agent's own reminder and stays quiet;
 * - an agent resolves it (`resolved`, "reply to reopen"): not when the bot resolved it as a
 *   deflection (the customer just read the bot's answer and thanks), and not when the system
 *   did (auto-resolve sends its own `autoResolved` text).
 *
 * One notification per change: `ticket.updated` is published once, by the instance that made the
 * change, after it committed; an update that changes nothing publishes nothing. Events of one
 * ticket are handled in order, and each one re-reads the ticket first, so a change already undone
 * (taken, then unassigned at once) is not announced late.
 */
import type { Db } from '../../db/prisma.js';
import type { Logger } from '../../logger.js';
import type { DeskSettings } from '../deskSettings.js';
import type { NotificationKind } from '../deskConfig.js';
import type { DomainEvents, EventBus } from '../events.js';
import type { Outbox } from '../outbox.js';
import { ticketLang } from './lang.js';
import { notificationText } from './templates.js';
import { PerKeySerial } from '../../serial.js';

type TicketUpdated = DomainEvents['ticket.updated'];

export class StatusNotifications {
  private detach: (() => void) | null = null;
  /** Notifications of one ticket go out in the order of its changes. */
  private readonly perTicket = new PerKeySerial();

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly events: EventBus,
    private readonly settings: DeskSettings,
    private readonly log: Logger,
  ) {}

  /** Starts listening to ticket changes. */
  attach(): void {
    this.detach ??= this.events.on('ticket.updated', (e) =>
      this.perTicket.run(e.ticketId, () => this.handle(e)).catch((err: unknown) => this.log.error({ err, ticketId: e.ticketId }, 'customer notification failed')),
    );
  }

  /** Stops listening and waits for notifications under way. */
  async close(): Promise<void> {
    this.detach?.();
    this.detach = null;
    await this.perTicket.idle();
  }

  /** Sends what this change calls for; returns the kind sent, or null. */
  async handle(e: TicketUpdated): Promise<NotificationKind | null> {
    const kind = notificationFor(e);
    if (!kind) return null;
    const t = await this.db.ticket.findUnique({
      where: { id: e.ticketId },
      select: { number: true, status: true, assigneeId: true, assignee: { select: { name: true } }, contact: { select: { name: true } } },
    });
    if (!t) return null;
    // Still true? (A later change of the same ticket has its own event.)
    const current = kind === 'taken' ? t.assigneeId === e.changes.assigneeId?.to && t.status !== 'closed' && t.status !== 'resolved' : t.status === e.changes.status?.to;
    if (!current) return null;
    const lang = await ticketLang(this.db, e.ticketId);
    const text = notificationText(this.settings.current, kind, lang, {
      'ticket.number': String(t.number),
      'customer.name': t.contact.name ?? '',
      'agent.name': t.assignee?.name ?? (e.actor.kind === 'agent' ? (e.actor.name ?? '') : ''),
      reason: e.reason ?? '',
    });
    await this.outbox.send(
      { id: e.ticketId, number: e.ticketNumber, conversationId: e.conversationId, channel: e.channel },
      { authorKind: 'system', authorName: null, text },
    );
    this.log.debug({ ticket: e.ticketNumber, kind }, 'customer notified');
    return kind;
  }

}

/** Which notification a change calls for (see the module comment), before looking at the ticket. */
export function notificationFor(e: Pick<TicketUpdated, 'changes' | 'actor' | 'reason'>): NotificationKind | null {
  const status = e.changes.status?.to;
  if (status === 'resolved') return e.actor.kind === 'agent' ? 'resolved' : null;
  if (status === 'pending' && e.reason) return 'pending';
  // `assigneeId` is TicketService.update's change; a reply's own assignment is `assignee`.
  if (e.changes.assigneeId?.to) return 'taken';
  return null;
}
