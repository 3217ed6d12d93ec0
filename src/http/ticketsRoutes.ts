/** The agent REST API: list, read, reply to and change tickets. */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/prisma.js';
import { Priority, TicketStatus } from '../generated/prisma/enums.js';
import { NotFoundError } from '../core/errors.js';
import { storedAttachment, type FileStore } from '../core/files.js';
import type { Attachment } from '../core/model.js';
import { HttpError } from './errors.js';
import { actingAgent, principalOf } from '../console/auth.js';
import type { AgentEdits } from '../core/agentEdits.js';
import { text } from './schemas.js';
import { getTicket, listTickets } from '../core/ticketQueries.js';
import { ticketListQuery } from './ticketFilter.js';
import type { TicketService } from '../core/tickets.js';
import type { EventBus } from '../core/events.js';
import { mergeTickets } from '../core/ticketMerge.js';
import { ticketDetailView, ticketView } from './views.js';
import { apiGroup } from './apiRoutes.js';
import { isKnownCategory } from '../core/deskConfig.js';
import type { DeskSettings } from '../core/deskSettings.js';

const replyBody = z
  .object({
    text: text().trim().max(20_000).default(''),
    internal: z.boolean().optional(),
    agent: text().min(1).optional(),
    /** Files stored with POST /api/v1/files, sent after the text. */
    attachments: z.array(z.object({ fileId: z.string().min(1) }).strict()).max(10).optional(),
  })
  .refine((b) => b.text.length > 0 || (b.attachments?.length ?? 0) > 0, { error: 'must not be empty (unless the reply has attachments)', path: ['text'] });

const patchBody = z
  .object({
    status: z.enum(TicketStatus).optional(),
    // An ISO date-time or date; not z.coerce.date(), which takes `true` or `12` as a time in 1970.
    pendingUntil: z
      .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'expected an ISO 8601 date-time, e.g. 2026-12-01T09:00:00Z' })
      .transform((s) => new Date(s))
      .nullable()
      .optional(),
    priority: z.enum(Priority).optional(),
    tags: z.array(text().max(64)).max(50).optional(),
    category: text()
      .max(200)
      .nullable()
      .optional()
      .describe('a category the desk configuration declares, or a path under one ("delivery/courier"); null clears it; an unknown one is refused'),
    assignee: text().nullable().optional(),
    team: text().nullable().optional(),
    botActive: z.boolean().optional().describe('false takes the ticket from the knowledge-base bot: people have it, and their SLA clock starts'),
    line: z.number().int().min(1).max(3).optional(),
    /** With status "pending": why, told to the customer. */
    reason: text().max(500).optional(),
    actor: text().optional(),
  })
  .strict();

/** An agent's edit of their reply (or note): the new text; `agent` names the editor for a bearer-token call (a console session's is ignored). */
const editBody = z.object({ text: text().trim().min(1).max(20_000), agent: text().min(1).optional() }).strict();

const mergeBody = z.object({ into: z.number().int().min(1), actor: text().optional() }).strict();

const agentBody = z.object({ handle: z.string().regex(/^[\w.-]{2,40}$/), name: text().min(1).max(100), email: z.email().optional() });

/** Ticket numbers are PostgreSQL integers: anything else is refused before it reaches a query. */
const ticketNumber = {
  parse(raw: string | string[] | undefined): number {
    const n = typeof raw === 'string' && /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= 1 && n <= 2_147_483_647)) throw new HttpError(400, 'invalid_request', `ticket number must be a positive integer, got "${String(raw)}"`, 'number');
    return n;
  },
};

/**
 * A category set through the API must be one the desk configuration declares (or a path under
 * one); null clears it. Without `settings` (no configuration to check against) any is taken.
 */
function checkCategory(settings: DeskSettings | undefined, category: string | null | undefined): void {
  if (!settings || category === undefined || category === null) return;
  const { categories } = settings.current;
  if (isKnownCategory(settings.current, category)) return;
  const declared = categories.length ? `declared: ${categories.map((c) => c.path).join(', ')}, or a path under one of them` : 'the desk configuration declares no categories';
  throw new HttpError(400, 'invalid_request', `category: unknown category "${category}" (${declared})`, 'category');
}

export function ticketsRouter(db: Db, tickets: TicketService, events: EventBus, files?: FileStore, edits?: AgentEdits, settings?: DeskSettings): Router {
  const router = Router();

  router.get('/tickets', async (req, res) => {
    const filter = ticketListQuery.parse(req.query);
    const { tickets: rows, total } = await listTickets(db, filter);
    res.json({ tickets: rows.map(ticketView), total });
  });

  router.get('/tickets/:number', async (req, res) => {
    const ticket = await getTicket(db, ticketNumber.parse(req.params.number));
    if (!ticket) throw new NotFoundError(`ticket #${req.params.number} not found`);
    res.json(ticketDetailView(ticket));
  });

  router.post('/tickets/:number/messages', async (req, res) => {
    const number = ticketNumber.parse(req.params.number);
    const { attachments: refs, ...body } = replyBody.parse(req.body);
    const attachments: Attachment[] = [];
    for (const [i, ref] of (refs ?? []).entries()) {
      const file = files ? await files.info(ref.fileId) : null;
      if (!file) throw new HttpError(400, 'invalid_request', `attachments.${i}.fileId: unknown file "${ref.fileId}" (store it with POST /api/v1/files first)`, `attachments.${i}.fileId`);
      attachments.push(storedAttachment(file));
    }
    const agent = actingAgent(res, body.agent);
    const { messageId } = await tickets.reply(number, { ...body, ...(agent ? { agent } : {}), ...(attachments.length ? { attachments } : {}) });
    res.status(201).json({ messageId });
  });

  /**
   * Edits an agent's reply or note (src/core/agentEdits.ts): the customer's copy is edited where
   * their channel can, else the desks tell the agent. A signed-in agent edits only their own
   * replies; an admin (or the bearer token) any agent's.
   */
  router.patch('/tickets/:number/messages/:messageId', async (req, res) => {
    if (!edits) throw new HttpError(404, 'not_found', 'editing replies is not available');
    const number = ticketNumber.parse(req.params.number);
    const body = editBody.parse(req.body);
    const principal = principalOf(res);
    // Who edits decides whose replies may be edited, so only the bearer token (an admin) names the
    // editor: a console user is their own agent profile, whatever the body says (a user without
    // one edits others' replies only as an admin).
    const actorRef = principal?.kind === 'token' ? body.agent : principal?.kind === 'session' ? principal.user.agent?.handle : undefined;
    const agent = actorRef ? await tickets.findAgent(actorRef, 'agent') : null;
    const outcome = await edits.edit({
      ticketNumber: number,
      messageId: String(req.params.messageId),
      text: body.text,
      actor: { agentId: agent?.id ?? null, name: agent?.name ?? 'admin', admin: principal?.role === 'admin' },
    });
    res.json(outcome.kind === 'edited' ? { messageId: outcome.messageId, edited: true, editId: outcome.editId, delivery: outcome.delivery } : { messageId: outcome.messageId, edited: false });
  });

  router.patch('/tickets/:number', async (req, res) => {
    const number = ticketNumber.parse(req.params.number);
    const { actor: given, ...patch } = patchBody.parse(req.body);
    checkCategory(settings, patch.category);
    const actorRef = actingAgent(res, given);
    const agent = actorRef ? await tickets.findAgent(actorRef, 'actor') : null;
    await tickets.update(number, patch, { kind: 'agent', name: agent?.name ?? 'admin', agentId: agent?.id ?? null });
    const ticket = await getTicket(db, number);
    if (!ticket) throw new NotFoundError(`ticket #${number} not found`);
    res.json(ticketView(ticket));
  });

  /** Merges this ticket into another of the same customer: its messages move there, it is closed. */
  router.post('/tickets/:number/merge', async (req, res) => {
    const number = ticketNumber.parse(req.params.number);
    const body = mergeBody.parse(req.body);
    const actorRef = actingAgent(res, body.actor);
    const agent = actorRef ? await tickets.findAgent(actorRef, 'actor') : null;
    const { movedMessages } = await mergeTickets(db, events, number, body.into, { kind: 'agent', name: agent?.name ?? 'admin', agentId: agent?.id ?? null });
    const target = await getTicket(db, body.into);
    if (!target) throw new NotFoundError(`ticket #${body.into} not found`);
    res.json({ movedMessages, ticket: ticketView(target) });
  });

  // GET /agents (with load, availability and absences) is in ./deskRoutes.ts.

  router.post('/agents', async (req, res) => {
    const body = agentBody.parse(req.body);
    const agent = await db.agent
      .upsert({
        where: { handle: body.handle },
        create: { handle: body.handle, name: body.name, email: body.email ?? null },
        update: { name: body.name, ...(body.email ? { email: body.email } : {}) },
      })
      .catch((err: unknown) => {
        // The handle is the upsert's key, so a unique clash is another agent's email.
        if ((err as { code?: string }).code === 'P2002') throw new HttpError(409, 'conflict', `another agent already has the email "${body.email}"`, 'email');
        throw err;
      });
    res.status(201).json({ id: agent.id, handle: agent.handle, name: agent.name, email: agent.email });
  });

  return router;
}

/** Path parameter `number`: a ticket number. */
export const ticketNumberParam = z.int().min(1).max(2_147_483_647).describe('the ticket number, e.g. 1001');

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const ticketsApi = apiGroup('tickets', '/api/v1', [
  { method: 'get', path: '/tickets', summary: 'List tickets, filtered and sorted', query: ticketListQuery },
  { method: 'get', path: '/tickets/:number', summary: 'One ticket with its messages, attachments and edits', params: { number: ticketNumberParam } },
  {
    method: 'post', path: '/tickets/:number/messages', summary: "Reply to the customer, or add an internal note",
    params: { number: ticketNumberParam }, body: replyBody, success: { status: 201, description: '`{messageId}`' },
  },
  { method: 'patch', path: '/tickets/:number', summary: 'Change status, priority, tags, category, assignee, team, line …', params: { number: ticketNumberParam }, body: patchBody },
  {
    method: 'patch', path: '/tickets/:number/messages/:messageId', summary: "Edit an agent's reply (the customer's copy too, where their channel can) or note",
    params: { number: ticketNumberParam, messageId: z.uuid().describe('the message id') }, body: editBody,
    success: { status: 200, description: '`{messageId, edited, editId, delivery}`: `delivery` is `queued` (the customer\'s message is being edited), `with_send` (not sent yet: it goes with the new text) or `none` (a note)' },
  },
  { method: 'post', path: '/tickets/:number/merge', summary: 'Merge the ticket into another of the same customer', params: { number: ticketNumberParam }, body: mergeBody },
  { method: 'post', path: '/agents', summary: 'Create or update an agent', body: agentBody, success: { status: 201, description: 'the agent' } },
]);
