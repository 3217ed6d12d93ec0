/**
 * What the desks tell agents beyond the conversation: SLA warnings and breaches, snooze
 * wake-ups, reassignments on silence, low CSAT ratings, automation's `notify` action, and an
 * agent's edit of a reply that could not reach the customer.
 *
 * The core publishes events; this module words each one once, for every desk, as a notice of
 * text parts. A desk renders the parts its own way (a Slack mention `<@U…>` and Slack dates, a
 * Telegram text mention and a local time) and posts them where the notice says: the ticket's
 * thread or topic, the team's own chat, or the supervisors' chat of DESK_CONFIG.
 */
import type { Db } from '../db/prisma.js';
import type { DomainEvents, EventBus } from '../core/events.js';
import type { PerKeySerial } from '../serial.js';

/** An agent as the desks know them: a desk mentions them by its own id when it has one. */
export interface NoticeAgent {
  name: string;
  handle: string;
  slackUserId: string | null;
  telegramUserId: string | null;
}

/** Who a notice names: an agent, else a team by name, else nobody ("Unassigned"). */
export type Addressee = { agent: NoticeAgent } | { team: string } | { nobody: true };

/** A piece of a notice: literal text, someone to name, or a moment to show. */
export type NoticePart = string | { who: Addressee } | { at: Date };

export type NoticeIcon = 'warning' | 'breach' | 'alarm' | 'low-rating' | 'automation';

/** Where a notice goes. */
export type NoticePlace =
  /** The ticket's thread (Slack) or topic (Telegram); without one, the desk's main chat. */
  | 'ticket'
  /** The ticket team's own chat (a team's slackChannel / telegramChatId), else as 'ticket'. */
  | 'team'
  /** The supervisors' chat (`supervisor` in DESK_CONFIG); nowhere when none is set. */
  | 'supervisor';

export interface DeskNotice {
  ticketId: string;
  ticketNumber: number;
  /** The ticket's team (its name), for `team` notices. */
  team: string | null;
  icon: NoticeIcon;
  posts: Array<{ place: NoticePlace; parts: NoticePart[] }>;
}

const AGENT_SELECT = { name: true, handle: true, slackUserId: true, telegramUserId: true } as const;

/** The events that make notices. */
export const NOTICE_EVENTS = ['sla.warning', 'sla.breached', 'ticket.woke', 'ticket.reassigned', 'csat.low', 'desk.notify', 'reply.edit_failed'] as const;

/**
 * Builds notices from the core's events. Each desk subscribes with its own `post`; notices of one
 * ticket are built and posted in the order of its events (`perTicket`).
 */
export class DeskNotices {
  constructor(private readonly db: Db) {}

  /** Subscribes `post` to every event that makes a notice; returns the unsubscribers. */
  subscribe(events: EventBus, perTicket: PerKeySerial, post: (notice: DeskNotice) => Promise<void>): Array<() => void> {
    const on = <E extends (typeof NOTICE_EVENTS)[number]>(name: E, build: (e: DomainEvents[E]) => Promise<DeskNotice | null>) =>
      events.on(name, (e) =>
        perTicket.run(e.ticketId, async () => {
          const notice = await build(e);
          if (notice) await post(notice);
        }),
      );
    return [
      on('sla.warning', (e) => this.slaWarning(e)),
      on('sla.breached', (e) => this.slaBreached(e)),
      on('ticket.woke', (e) => this.woke(e)),
      on('ticket.reassigned', (e) => this.reassigned(e)),
      on('csat.low', (e) => this.lowRating(e)),
      on('desk.notify', (e) => this.automation(e)),
      on('reply.edit_failed', (e) => this.editUndelivered(e)),
    ];
  }

  /** SLA warning: the assignee (or else the team) is told in the ticket's thread. */
  async slaWarning(e: DomainEvents['sla.warning']): Promise<DeskNotice> {
    const what = e.target === 'firstResponse' ? 'first response' : 'resolution';
    const who = await this.addressee(e.assigneeId, e.teamId);
    return this.notice(e, 'warning', [{ place: 'ticket', parts: [{ who }, `: the ${what} of #${e.ticketNumber} is due `, { at: e.dueAt }, '.'] }]);
  }

  /** SLA breach: a line in the ticket's thread, and the supervisors are told. */
  async slaBreached(e: DomainEvents['sla.breached']): Promise<DeskNotice> {
    const t = await this.db.ticket.findUnique({ where: { id: e.ticketId }, select: { priority: true, team: { select: { name: true } }, contact: { select: { name: true } } } });
    const what = e.target === 'firstResponse' ? 'first-response' : 'resolution';
    const escalated = e.toLine > e.fromLine ? `escalated to line ${e.toLine}${t?.team ? ` (team ${t.team.name})` : ''}` : `still on line ${e.toLine}`;
    const summary: NoticePart[] = [`missed its ${what} deadline (`, { at: e.dueAt }, `): overdue, priority ${t?.priority ?? 'raised'}, ${escalated}.`];
    return this.notice(e, 'breach', [
      { place: 'ticket', parts: [`#${e.ticketNumber} `, ...summary] },
      { place: 'supervisor', parts: [`SLA breach: #${e.ticketNumber} from ${t?.contact.name ?? 'a customer'} `, ...summary] },
    ]);
  }

  /** A snoozed ticket woke up: the assignee is reminded. */
  async woke(e: DomainEvents['ticket.woke']): Promise<DeskNotice> {
    const who = await this.addressee(e.assigneeId, null);
    return this.notice(e, 'alarm', [{ place: 'ticket', parts: [{ who }, `: #${e.ticketNumber} was snoozed until `, { at: e.pendingUntil }, ' and is open again.'] }]);
  }

  /** Reassign on silence: the old assignee is told where the ticket went. */
  async reassigned(e: DomainEvents['ticket.reassigned']): Promise<DeskNotice> {
    const from = await this.addressee(e.fromAgentId, null);
    const to: NoticePart[] = e.toAgentId ? ['reassigned to ', { who: await this.addressee(e.toAgentId, null) }] : ['back in the queue'];
    return this.notice(e, 'alarm', [{ place: 'ticket', parts: [{ who: from }, ' did not reply in time: the ticket is ', ...to, '.'] }]);
  }

  /** A rating of 2 or below: the team follows up, in the ticket's thread. */
  async lowRating(e: DomainEvents['csat.low']): Promise<DeskNotice> {
    const t = await this.db.ticket.findUnique({ where: { id: e.ticketId }, select: { contact: { select: { name: true } } } });
    const stars = `${'★'.repeat(e.score)}${'☆'.repeat(5 - e.score)}`;
    const comment = e.comment ? `: “${e.comment}”` : ' (no comment)';
    return this.notice(e, 'low-rating', [{ place: 'ticket', parts: [`Low CSAT rating for #${e.ticketNumber}: ${stars} ${e.score}/5 from ${t?.contact.name ?? 'the customer'}${comment}`] }]);
  }

  /** Automation's `notify`: the team's chat, the supervisors, or the assignee in the ticket's thread. */
  async automation(e: DomainEvents['desk.notify']): Promise<DeskNotice> {
    const text = `#${e.ticketNumber} (rule “${e.rule}”): ${e.message}`;
    if (e.target === 'assignee') {
      const t = await this.db.ticket.findUnique({ where: { id: e.ticketId }, select: { assigneeId: true, teamId: true } });
      const who = await this.addressee(t?.assigneeId ?? null, t?.teamId ?? null);
      return this.notice(e, 'automation', [{ place: 'ticket', parts: [{ who }, `: ${text}`] }]);
    }
    return this.notice(e, 'automation', [{ place: e.target, parts: [text] }]);
  }

  /**
   * An agent's edit of a reply did not reach the customer (src/core/delivery/edits.ts): the
   * customer still reads the old text, so the agent (the reply's author) is asked for a correction.
   */
  async editUndelivered(e: DomainEvents['reply.edit_failed']): Promise<DeskNotice> {
    const who = await this.addressee(e.agentId, null);
    const why =
      e.reason === 'too_old'
        ? `the reply is too old for ${e.channel} to edit`
        : e.reason === 'unsupported'
          ? `the customer's channel (${e.channel}) can't edit the sent message`
          : `${e.channel} did not take the edit (${e.error})`;
    const m = await this.db.message.findUnique({ where: { id: e.messageId }, select: { text: true } });
    const now = m ? ` The corrected text: “${m.text.length > 500 ? `${m.text.slice(0, 500)}…` : m.text}”` : '';
    return this.notice(e, 'warning', [{ place: 'ticket', parts: [{ who }, `: your edit of a reply in #${e.ticketNumber} did not reach the customer: ${why}; send a correction as a new reply.${now}`] }]);
  }

  private async notice(e: { ticketId: string; ticketNumber: number }, icon: NoticeIcon, posts: DeskNotice['posts']): Promise<DeskNotice> {
    const t = await this.db.ticket.findUnique({ where: { id: e.ticketId }, select: { team: { select: { name: true } } } });
    return { ticketId: e.ticketId, ticketNumber: e.ticketNumber, team: t?.team?.name ?? null, icon, posts };
  }

  private async addressee(agentId: string | null, teamId: string | null): Promise<Addressee> {
    const agent = agentId ? await this.db.agent.findUnique({ where: { id: agentId }, select: AGENT_SELECT }) : null;
    if (agent) return { agent };
    const team = teamId ? await this.db.team.findUnique({ where: { id: teamId }, select: { name: true } }) : null;
    return team ? { team: team.name } : { nobody: true };
  }
}

/** The plain name of an addressee, for desks that cannot mention. */
export function addresseeName(who: Addressee): string {
  if ('agent' in who) return who.agent.name;
  if ('team' in who) return `Team ${who.team}`;
  return 'Unassigned';
}
