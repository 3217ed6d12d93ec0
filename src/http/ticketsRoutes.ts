/** The agent REST API: list, read, reply to and change tickets. */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/prisma.js';
import { Channel, Priority, TicketStatus } from '../generated/prisma/enums.js';
import { NotFoundError } from '../core/errors.js';
import { getTicket, listTickets, TICKET_SORTS } from '../core/ticketQueries.js';
import type { TicketService } from '../core/tickets.js';
import { ticketDetailView, ticketView } from './views.js';

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item))
    .optional();

const listQuery = z.object({
  status: csv(z.enum(TicketStatus)),
  priority: csv(z.enum(Priority)),
  channel: csv(z.enum(Channel)),
  assignee: z.string().optional(),
  team: z.string().optional(),
  tag: z.string().optional(),
  category: z.string().optional(),
  q: z.string().optional(),
  sort: z.enum(TICKET_SORTS).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

const replyBody = z.object({
  text: z.string().trim().min(1).max(20_000),
  internal: z.boolean().optional(),
  agent: z.string().min(1).optional(),
});

const patchBody = z
  .object({
    status: z.enum(TicketStatus).optional(),
    pendingUntil: z.coerce.date().nullable().optional(),
    priority: z.enum(Priority).optional(),
    tags: z.array(z.string().max(64)).max(50).optional(),
    category: z.string().max(200).nullable().optional(),
    assignee: z.string().nullable().optional(),
    team: z.string().nullable().optional(),
    botActive: z.boolean().optional(),
    actor: z.string().optional(),
  })
  .strict();

const ticketNumber = z.coerce.number().int().positive();

export function ticketsRouter(db: Db, tickets: TicketService): Router {
  const router = Router();

  router.get('/tickets', async (req, res) => {
    const filter = listQuery.parse(req.query);
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
    const body = replyBody.parse(req.body);
    const { messageId } = await tickets.reply(number, body);
    res.status(201).json({ messageId });
  });

  router.patch('/tickets/:number', async (req, res) => {
    const number = ticketNumber.parse(req.params.number);
    const { actor: actorRef, ...patch } = patchBody.parse(req.body);
    const agent = actorRef ? await tickets.findAgent(actorRef, 'actor') : null;
    await tickets.update(number, patch, { kind: 'agent', name: agent?.name ?? 'admin', agentId: agent?.id ?? null });
    const ticket = await getTicket(db, number);
    if (!ticket) throw new NotFoundError(`ticket #${number} not found`);
    res.json(ticketView(ticket));
  });

  router.get('/agents', async (_req, res) => {
    const agents = await db.agent.findMany({ orderBy: { handle: 'asc' } });
    res.json({ agents: agents.map(({ id, handle, name, email, availability }) => ({ id, handle, name, email, availability })) });
  });

  router.post('/agents', async (req, res) => {
    const body = z
      .object({ handle: z.string().regex(/^[\w.-]{2,40}$/), name: z.string().min(1).max(100), email: z.email().optional() })
      .parse(req.body);
    const agent = await db.agent.upsert({
      where: { handle: body.handle },
      create: { handle: body.handle, name: body.name, email: body.email ?? null },
      update: { name: body.name, ...(body.email ? { email: body.email } : {}) },
    });
    res.status(201).json({ id: agent.id, handle: agent.handle, name: agent.name, email: agent.email });
  });

  return router;
}
