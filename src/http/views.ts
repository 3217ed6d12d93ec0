/** The JSON shapes of the REST API (part of its contract: keep field names stable). */
import { writtenOnPlatform } from '../core/platformReplies.js';
import { slaStatus } from '../core/sla/policy.js';
import type { TicketDetail, TicketRow } from '../core/ticketQueries.js';

type MessageRow = TicketDetail['messages'][number];

export function ticketView(t: TicketRow) {
  return {
    number: t.number,
    status: t.status,
    /** `customer` (they wrote) or `agent` (an agent wrote to them first: src/core/outreach.ts). */
    origin: t.origin,
    priority: t.priority,
    channel: t.channel,
    subject: t.subject,
    contact: t.contact,
    category: t.category,
    tags: t.tags,
    assignee: t.assignee ? { handle: t.assignee.handle, name: t.assignee.name } : null,
    team: t.team?.name ?? null,
    line: t.line,
    botActive: t.botActive,
    pendingUntil: t.pendingUntil,
    previousTicketNumber: t.previousTicket?.number ?? null,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    openedAt: t.openedAt,
    firstResponseDueAt: t.firstResponseDueAt,
    resolutionDueAt: t.resolutionDueAt,
    firstRespondedAt: t.firstRespondedAt,
    resolvedAt: t.resolvedAt,
    closedAt: t.closedAt,
    /** The SLA policy the due times come from ("normal", "normal/delivery"), or null without one. */
    slaPolicy: t.slaPolicy,
    /** A due time was missed while its target was unmet (set by the breach timer); cleared when the ticket is resolved. */
    overdue: t.overdue,
    /** Breached = met after its due time, or unmet and past it (an unmet target of a pending ticket is paused). */
    sla: slaStatus(t),
    csat: t.csatScore === null ? null : { score: t.csatScore, comment: t.csatComment },
  };
}

export function messageView(m: MessageRow) {
  return {
    id: m.id,
    direction: m.direction,
    internal: m.authorKind === 'note',
    /** `handle`: the agent who wrote a reply or note (who may edit it, with admins), else null. */
    author: { kind: m.authorKind, name: m.authorName, handle: m.agent?.handle ?? null },
    text: m.text,
    /** Each with `url` (/api/v1/files/<id>) when the file is kept, or `error` when it is not. */
    attachments: m.attachments,
    buttons: m.buttons,
    sentAt: m.sentAt,
    createdAt: m.createdAt,
    /** The id of the earlier message this one answers, when the customer quoted one. */
    replyToId: m.replyToId,
    editedAt: m.editedAt,
    /** An agent's reply written on the customer's platform (a shared Slack channel): edited there, not through this API. */
    writtenOnPlatform: writtenOnPlatform(m),
    /** The texts the message had before its edits (the customer's, or the agent's of a reply), oldest first. */
    edits: m.edits.map((e) => ({ previousText: e.previousText, editedAt: e.editedAt })),
    delivery:
      m.deliveryState === null
        ? null
        : { state: m.deliveryState, attempts: m.deliveryAttempts, error: m.deliveryError, deliveredAt: m.deliveredAt },
  };
}

export function ticketDetailView(t: TicketDetail) {
  return {
    ...ticketView(t),
    messages: t.messages.map(messageView),
    events: t.events.map((e) => ({ type: e.type, actor: { kind: e.actorKind, name: e.actorName }, data: e.data, at: e.createdAt })),
    /** Display names of the agents and teams that events' `from`/`to` name by id (assigneeId_changed, teamId_changed). */
    names: t.names,
  };
}
