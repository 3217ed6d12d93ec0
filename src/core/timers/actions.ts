/**
 * What each timer does when it fires. Every action first re-reads the ticket under its row lock
 * and plans it again (./plan.ts): a timer the ticket no longer needs (answered, resolved, moved
 * deadline) or that has acted already (its mark) does nothing. Otherwise it acts once, and its
 * mark, its ticket change and its message to the customer commit in one transaction, so a crash
 * can neither send twice nor lose the message. Ticket changes go through TicketService (breach,
 * wake-up, auto-resolve), so the audit trail, events and SLA rules are the usual ones.
 */
import type { Db } from '../../db/prisma.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import { audit } from '../audit.js';
import type { DeskSettings } from '../deskSettings.js';
import type { Actor, EventBus, SlaTarget, TicketRef } from '../events.js';
import { csatSurvey } from '../notify/csat.js';
import { ticketLang } from '../notify/lang.js';
import { notificationText } from '../notify/templates.js';
import type { Outbox, OutgoingMessage, TicketTarget } from '../outbox.js';
import { escalationPatch } from '../escalation.js';
import type { TicketService } from '../tickets.js';
import { loadTimerTicket, PENDING_RULE_EVENT } from './load.js';
import { busyNotice } from './notices.js';
import { pendingRuleKind, planTimers, type PlanContext, type TimerKind, type TimerTicket } from './plan.js';

/** What a firing came to: acted; nothing to do (stale); or not yet due (early: fire again at dueAt). */
export type FireOutcome = { kind: 'acted' } | { kind: 'stale' } | { kind: 'early'; dueAt: Date };

export interface TimerActionDeps {
  db: Db;
  tickets: TicketService;
  outbox: Outbox;
  events: EventBus;
  settings: DeskSettings;
  context: () => PlanContext;
  /**
   * Reassign on silence (src/core/assignment: reassignIfSilent), called when a silence timer
   * fires; it checks and acts under its own locks. Without it silence timers do nothing.
   */
  reassignIfSilent?: ((ticketId: string, now: Date) => Promise<unknown>) | undefined;
  /** Runs one `pending` automation rule on the ticket (src/core/automation); without it those timers do nothing. */
  runPendingRule?: ((ticket: TicketRef, rule: string) => Promise<unknown>) | undefined;
  log: Logger;
}

/** The audit trail's name for what timers do. */
export const TIMER_ACTORS = {
  sla: { kind: 'system', name: 'SLA' },
  wake: { kind: 'system', name: 'wake-up' },
  busy: { kind: 'system', name: 'busy notice' },
  autoResolve: { kind: 'system', name: 'auto-resolve' },
  csat: { kind: 'system', name: 'CSAT' },
} as const satisfies Record<string, Actor>;

/** A firing whose guard saw the ticket change under it (priority or line moved): planned again and retried. */
const BREACH_RETRIES = 3;

const STALE: FireOutcome = { kind: 'stale' };
const ACTED: FireOutcome = { kind: 'acted' };

type Ref = TicketTarget;

export class TimerActions {
  constructor(private readonly deps: TimerActionDeps) {}

  /** Acts on one firing timer of one ticket, if it still applies. */
  async fire(kind: TimerKind, ticketId: string, dueAtMs: number): Promise<FireOutcome> {
    switch (kind) {
      case 'warn.firstResponse':
      case 'warn.resolution':
        return this.warn(kind, ticketId, dueAtMs);
      case 'breach.firstResponse':
      case 'breach.resolution':
        return this.breach(kind, ticketId, dueAtMs);
      case 'wake':
        return this.wake(ticketId, dueAtMs);
      case 'busy':
        return this.notify(kind, ticketId, dueAtMs);
      case 'csat':
        return this.notify(kind, ticketId, dueAtMs);
      case 'autoResolve':
        return this.autoResolve(ticketId, dueAtMs);
      case 'silence':
        return this.silence(ticketId, dueAtMs);
      default:
        return this.pendingRule(kind, ticketId, dueAtMs);
    }
  }

  /** SLA warning: marks slaWarnedAt and tells the desks (sla.warning). */
  private async warn(kind: 'warn.firstResponse' | 'warn.resolution', ticketId: string, dueAtMs: number): Promise<FireOutcome> {
    const target = targetOf(kind);
    const result = await this.deps.db.$transaction(async (tx) => {
      const check = await this.check(tx, ticketId, kind, dueAtMs, true);
      if (check.outcome.kind !== 'acted') return check;
      const t = check.ticket!;
      await tx.ticket.update({ where: { id: t.id }, data: { slaWarnedAt: new Date() } });
      await audit(tx, t.id, 'sla.warning', TIMER_ACTORS.sla, { target, dueAt: dueOf(t, target) });
      return check;
    });
    const t = result.ticket;
    if (result.outcome.kind === 'acted' && t) {
      this.deps.events.publish('sla.warning', { ...ref(t), target, dueAt: dueOf(t, target)!, assigneeId: t.assigneeId, teamId: t.teamId });
    }
    return result.outcome;
  }

  /**
   * SLA breach: overdue, one priority step up, the next support line and that line's team (the
   * ticket leaves its assignee for that team's queue), in one TicketService.update that keeps
   * the due times (else the raised priority would move the deadline it just missed).
   */
  private async breach(kind: 'breach.firstResponse' | 'breach.resolution', ticketId: string, dueAtMs: number): Promise<FireOutcome> {
    const target = targetOf(kind);
    for (let attempt = 1; ; attempt++) {
      const seen = await loadTimerTicket(this.deps.db, ticketId);
      if (!seen) return STALE;
      const patch = escalationPatch(seen, this.deps.settings.current);
      const toLine = patch.line ?? seen.line;
      // A team the configuration names but the database does not have yet (directory sync) is left out.
      if (patch.team && !(await this.deps.db.team.findUnique({ where: { name: patch.team }, select: { id: true } }))) {
        delete patch.team;
        delete patch.assignee;
      }
      const state: { outcome: FireOutcome | 'changed'; ticket: TimerTicket | null } = { outcome: STALE, ticket: null };
      await this.deps.tickets.update(seen.number, patch, TIMER_ACTORS.sla, {
        keepDueTimes: true,
        guard: async (tx, locked) => {
          const check = await this.check(tx, ticketId, kind, dueAtMs);
          state.outcome = check.outcome;
          if (check.outcome.kind !== 'acted') return false;
          // The patch was worked out from `seen`: if the ticket moved since, work it out again.
          if (locked.priority !== seen.priority || locked.line !== seen.line || locked.teamId !== seen.teamId) {
            state.outcome = 'changed';
            return false;
          }
          await tx.ticket.update({ where: { id: ticketId }, data: { overdue: true, slaBreachedAt: new Date() } });
          await audit(tx, ticketId, 'sla.breached', TIMER_ACTORS.sla, { target, dueAt: new Date(dueAtMs), fromLine: seen.line, toLine, team: patch.team ?? null });
          state.ticket = check.ticket;
          return true;
        },
      });
      const { outcome, ticket: t } = state;
      if (outcome === 'changed') {
        if (attempt < BREACH_RETRIES) continue;
        throw new Error(`ticket ${ticketId} kept changing under its SLA breach`);
      }
      if (outcome.kind === 'acted' && t) {
        // As the ticket is now: on the next line's team, maybe without its assignee.
        const moved = await this.deps.db.ticket.findUnique({ where: { id: ticketId }, select: { assigneeId: true, teamId: true } });
        this.deps.events.publish('sla.breached', {
          ...ref(t), target, dueAt: new Date(dueAtMs), fromLine: seen.line, toLine, assigneeId: moved?.assigneeId ?? null, teamId: moved?.teamId ?? null,
        });
      }
      return outcome;
    }
  }

  /** Pending/snooze wake-up: open again (TicketService clears pendingUntil and resumes the SLA clock), then ticket.woke. */
  private async wake(ticketId: string, dueAtMs: number): Promise<FireOutcome> {
    const seen = await loadTimerTicket(this.deps.db, ticketId);
    if (!seen) return STALE;
    const state: { outcome: FireOutcome; ticket: TimerTicket | null } = { outcome: STALE, ticket: null };
    await this.deps.tickets.update(seen.number, { status: 'open' }, TIMER_ACTORS.wake, {
      guard: async (tx) => {
        const check = await this.check(tx, ticketId, 'wake', dueAtMs);
        state.outcome = check.outcome;
        if (check.outcome.kind !== 'acted') return false;
        state.ticket = check.ticket;
        // The pull queue can put tickets that just woke first among their priority (see README).
        await audit(tx, ticketId, 'woke', TIMER_ACTORS.wake, { pendingUntil: new Date(dueAtMs) });
        return true;
      },
    });
    const { outcome, ticket: t } = state;
    if (outcome.kind === 'acted' && t) this.deps.events.publish('ticket.woke', { ...ref(t), pendingUntil: new Date(dueAtMs), assigneeId: t.assigneeId });
    return outcome;
  }

  /** Auto-resolve: resolved through TicketService, with the "autoResolved" text (how to reopen) in the same transaction. */
  private async autoResolve(ticketId: string, dueAtMs: number): Promise<FireOutcome> {
    const seen = await loadTimerTicket(this.deps.db, ticketId);
    if (!seen) return STALE;
    const state: { outcome: FireOutcome; sent: { id: string; message: OutgoingMessage } | null } = { outcome: STALE, sent: null };
    await this.deps.tickets.update(seen.number, { status: 'resolved' }, TIMER_ACTORS.autoResolve, {
      guard: async (tx) => {
        const check = await this.check(tx, ticketId, 'autoResolve', dueAtMs);
        state.outcome = check.outcome;
        if (check.outcome.kind !== 'acted' || !check.ticket) return false;
        const t = check.ticket;
        const lang = await ticketLang(tx, t.id);
        const message = systemMessage(notificationText(this.deps.settings.current, 'autoResolved', lang, { 'ticket.number': String(t.number) }));
        state.sent = { id: await this.deps.outbox.write(tx, target(t), message), message };
        return true;
      },
    });
    if (state.outcome.kind === 'acted' && state.sent) await this.deps.outbox.dispatch(target(seen), state.sent.id, state.sent.message);
    return state.outcome;
  }

  /** "We are busy" and the CSAT survey: a system message to the customer and the timer's mark, in one transaction. */
  private async notify(kind: 'busy' | 'csat', ticketId: string, dueAtMs: number): Promise<FireOutcome> {
    const result = await this.deps.db.$transaction(async (tx) => {
      const check = await this.check(tx, ticketId, kind, dueAtMs, true);
      if (check.outcome.kind !== 'acted') return { outcome: check.outcome, sent: null };
      const t = check.ticket!;
      const lang = await ticketLang(tx, t.id);
      const now = new Date();
      const config = this.deps.settings.current;
      const message =
        kind === 'busy'
          ? systemMessage(busyNotice(config, lang, t.number, now))
          : (({ text, buttons }) => systemMessage(text, buttons))(csatSurvey(config, lang, t.number));
      const id = await this.deps.outbox.write(tx, target(t), message);
      await tx.ticket.update({ where: { id: t.id }, data: kind === 'busy' ? { busyNotifiedAt: now } : { csatRequestedAt: now } });
      await audit(tx, t.id, kind === 'busy' ? 'busy.notified' : 'csat.requested', TIMER_ACTORS[kind], {});
      return { outcome: check.outcome, sent: { id, message, ticket: t } };
    });
    if (result.sent) await this.deps.outbox.dispatch(target(result.sent.ticket), result.sent.id, result.sent.message);
    return result.outcome;
  }

  /** Reassign on silence: the assignment part checks and acts under its own locks. */
  private async silence(ticketId: string, dueAtMs: number): Promise<FireOutcome> {
    const hook = this.deps.reassignIfSilent;
    if (!hook) return STALE;
    const check = await this.deps.db.$transaction((tx) => this.check(tx, ticketId, 'silence', dueAtMs, true));
    if (check.outcome.kind !== 'acted') return check.outcome;
    await hook(ticketId, new Date());
    return ACTED;
  }

  /**
   * Automation "pending for …": the rule's mark (audit `automation.pending`) commits first, then
   * the rule runs, so it runs at most once per pending period even if this instance dies.
   */
  private async pendingRule(kind: `pending.${string}`, ticketId: string, dueAtMs: number): Promise<FireOutcome> {
    const hook = this.deps.runPendingRule;
    const rule = this.deps.settings.current.automation.find((r) => r.when === 'pending' && pendingRuleKind(r.name) === kind);
    if (!hook || !rule) return STALE;
    const check = await this.deps.db.$transaction(async (tx) => {
      const check = await this.check(tx, ticketId, kind, dueAtMs, true);
      if (check.outcome.kind === 'acted') await audit(tx, ticketId, PENDING_RULE_EVENT, { kind: 'system', name: 'timers' }, { rule: rule.name });
      return check;
    });
    if (check.outcome.kind !== 'acted' || !check.ticket) return check.outcome;
    await hook(ref(check.ticket), rule.name);
    return ACTED;
  }

  /**
   * Whether the timer still applies: the ticket planned again from what PostgreSQL holds now has
   * this very timer (kind and instant), and it is due; then the outcome is `acted`, for the
   * caller to act in the same transaction. `lock` takes the row lock first (callers inside
   * TicketService.update's guard hold it already).
   */
  private async check(
    tx: Prisma.TransactionClient,
    ticketId: string,
    kind: TimerKind,
    dueAtMs: number,
    lock = false,
  ): Promise<{ outcome: FireOutcome; ticket: TimerTicket | null }> {
    if (lock) await tx.$queryRaw`SELECT "id" FROM "Ticket" WHERE "id" = ${ticketId}::uuid FOR UPDATE`;
    const t = await loadTimerTicket(tx, ticketId);
    if (!t) return { outcome: STALE, ticket: null };
    const now = new Date();
    const planned = planTimers(t, this.deps.settings, now, this.deps.context()).find((p) => p.kind === kind && p.dueAt.getTime() === dueAtMs);
    if (!planned) return { outcome: STALE, ticket: t };
    if (planned.dueAt > now) return { outcome: { kind: 'early', dueAt: planned.dueAt }, ticket: t };
    return { outcome: ACTED, ticket: t };
  }


}

function targetOf(kind: `${'warn' | 'breach'}.${SlaTarget}`): SlaTarget {
  return kind.endsWith('firstResponse') ? 'firstResponse' : 'resolution';
}

function dueOf(t: TimerTicket, target: SlaTarget): Date | null {
  return target === 'firstResponse' ? t.firstResponseDueAt : t.resolutionDueAt;
}

function systemMessage(text: string, buttons?: Array<{ id: string; label: string }>): OutgoingMessage {
  return { authorKind: 'system', authorName: null, text, ...(buttons?.length ? { buttons } : {}) };
}

function target(t: TimerTicket): Ref {
  return { id: t.id, number: t.number, conversationId: t.conversationId, channel: t.channel };
}

function ref(t: TimerTicket) {
  return { ticketId: t.id, ticketNumber: t.number, conversationId: t.conversationId, channel: t.channel };
}
