/** What automation rules can do (`then`): each action goes through the same core operations as an agent's. */
import type { Db } from '../../db/prisma.js';
import type { AutomationAction } from '../deskConfig.js';
import type { DeskSettings } from '../deskSettings.js';
import type { EventBus, TicketRef } from '../events.js';
import type { Outbox } from '../outbox.js';
import type { TicketService } from '../tickets.js';
import { automationActor, type Trigger } from './engine.js';
import { escalationPatch } from '../escalation.js';
import { normalizeTag } from '../tags.js';
import type { WebhookQueue } from './webhooks.js';

export interface ActionDeps {
  db: Db;
  settings: DeskSettings;
  tickets: TicketService;
  outbox: Outbox;
  events: EventBus;
  webhooks: WebhookQueue;
  /** Assigns by the ticket's team strategy (src/core/assignment). */
  autoAssign: (ticketId: string) => Promise<unknown>;
  /** The canned response's text for this ticket's customer, in their language (src/core/canned.ts). */
  renderCanned: (shortcut: string, ticketNumber: number) => Promise<string>;
}

export interface ActionContext {
  rule: string;
  trigger: Trigger;
  ticket: TicketRef;
}

export async function runAction(deps: ActionDeps, action: AutomationAction, ctx: ActionContext): Promise<unknown> {
  const { tickets } = deps;
  const actor = automationActor(ctx.rule);
  const number = ctx.ticket.ticketNumber;
  if ('setPriority' in action) return tickets.update(number, { priority: action.setPriority }, actor);
  if ('setCategory' in action) return tickets.update(number, { category: action.setCategory }, actor);
  if ('setTeam' in action) return tickets.update(number, { team: action.setTeam }, actor);
  if ('addTags' in action || 'removeTags' in action) {
    const t = await deps.db.ticket.findUniqueOrThrow({ where: { id: ctx.ticket.ticketId }, select: { tags: true } });
    const removed = new Set('removeTags' in action ? action.removeTags.map(normalizeTag) : []);
    const tags = 'addTags' in action ? [...t.tags, ...action.addTags] : t.tags.filter((x) => !removed.has(normalizeTag(x)));
    return tickets.update(number, { tags }, actor);
  }
  if ('assign' in action) {
    if (action.assign === 'auto') {
      await deps.autoAssign(ctx.ticket.ticketId);
      return;
    }
    return tickets.update(number, { assignee: action.assign }, actor);
  }
  if ('reply' in action) {
    const text = await deps.renderCanned(action.reply, number);
    // A system message, not an agent's reply: an automatic answer is not a first response.
    await deps.outbox.send({ id: ctx.ticket.ticketId, number, conversationId: ctx.ticket.conversationId, channel: ctx.ticket.channel }, { authorKind: 'system', authorName: null, text });
    return;
  }
  if ('notify' in action) {
    deps.events.publish('desk.notify', { ...ctx.ticket, target: action.notify, message: action.message ?? ctx.rule, rule: ctx.rule });
    return;
  }
  if ('webhook' in action) {
    await deps.webhooks.enqueue(action.webhook, { event: ctx.trigger, rule: ctx.rule, ticket: await webhookTicket(deps.db, ctx.ticket.ticketId), at: new Date().toISOString() });
    return;
  }
  if ('escalate' in action) {
    const t = await deps.db.ticket.findUniqueOrThrow({ where: { id: ctx.ticket.ticketId }, select: { line: true, priority: true } });
    return tickets.update(number, escalationPatch(t, deps.settings.current), actor);
  }
  const unknown: never = action;
  throw new Error(`unknown automation action ${JSON.stringify(unknown)}`);
}

/** The ticket as a CRM sees it in a webhook. */
async function webhookTicket(db: Db, ticketId: string) {
  const t = await db.ticket.findUniqueOrThrow({
    where: { id: ticketId },
    include: { contact: { select: { id: true, name: true, email: true, phone: true, attributes: true } }, team: { select: { name: true } }, assignee: { select: { handle: true, name: true } } },
  });
  return {
    number: t.number, status: t.status, priority: t.priority, channel: t.channel, category: t.category, tags: t.tags, line: t.line,
    team: t.team?.name ?? null, assignee: t.assignee, contact: t.contact, overdue: t.overdue,
    createdAt: t.createdAt, firstResponseDueAt: t.firstResponseDueAt, resolutionDueAt: t.resolutionDueAt, firstRespondedAt: t.firstRespondedAt, resolvedAt: t.resolvedAt,
  };
}
