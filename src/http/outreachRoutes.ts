/**
 * POST /tickets: an agent writes to a known customer first, which opens a ticket (src/core/outreach.ts).
 * Its own router beside ./ticketsRoutes.ts, mounted under /api/v1 like it; agents may call it
 * (src/console/roles.ts: /tickets is the agents').
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/prisma.js';
import { Channel, Priority } from '../generated/prisma/enums.js';
import { actingAgent, principalOf } from '../console/auth.js';
import { NotFoundError } from '../core/errors.js';
import { storedAttachment, type FileStore } from '../core/files.js';
import type { Attachment } from '../core/model.js';
import { NoConversationError, OpenTicketExistsError, type Outreach } from '../core/outreach.js';
import { getTicket } from '../core/ticketQueries.js';
import { apiGroup } from './apiRoutes.js';
import { HttpError } from './errors.js';
import { text } from './schemas.js';
import { ticketView } from './views.js';

const startBody = z
  .object({
    contactId: z.uuid(),
    /** One of the contact's conversations' channels; default: their most recently active conversation. */
    channel: z.enum(Channel).optional(),
    text: text().trim().min(1).max(20_000),
    /** Files stored with POST /api/v1/files, sent after the text. */
    attachments: z.array(z.object({ fileId: z.string().min(1) }).strict()).max(10).optional(),
    subject: text().trim().min(1).max(200).optional(),
    priority: z.enum(Priority).optional(),
    category: text().max(200).optional(),
    tags: z.array(text().max(64)).max(50).optional(),
    /** The agent who writes (handle or email); a signed-in agent is always themselves. */
    agent: text().min(1).optional(),
  })
  .strict();

export function outreachRouter(db: Db, outreach: Outreach, files?: FileStore): Router {
  const router = Router();

  router.post('/tickets', async (req, res) => {
    const { attachments: refs, agent: given, ...body } = startBody.parse(req.body);
    const attachments: Attachment[] = [];
    for (const [i, ref] of (refs ?? []).entries()) {
      const file = files ? await files.info(ref.fileId) : null;
      if (!file) throw new HttpError(400, 'invalid_request', `attachments.${i}.fileId: unknown file "${ref.fileId}" (store it with POST /api/v1/files first)`, `attachments.${i}.fileId`);
      attachments.push(storedAttachment(file));
    }
    const agent = actingAgent(res, given);
    const principal = principalOf(res);
    const actorName = principal?.kind === 'session' ? principal.user.name || principal.user.email : 'admin';
    let started;
    try {
      started = await outreach.start({ ...body, ...(agent ? { agent } : {}), ...(attachments.length ? { attachments } : {}), actorName });
    } catch (err) {
      if (err instanceof OpenTicketExistsError) {
        res.status(409).json({ error: 'open_ticket_exists', message: err.message, field: 'contactId', ticketNumber: err.ticketNumber, status: err.status });
        return;
      }
      if (err instanceof NoConversationError) throw new HttpError(422, 'no_conversation', err.message, 'channel');
      throw err;
    }
    const ticket = await getTicket(db, started.ticketNumber);
    if (!ticket) throw new NotFoundError(`ticket #${started.ticketNumber} not found`);
    res.status(201).json({ ...ticketView(ticket), messageId: started.messageId, closedTicketNumber: started.closedTicketNumber });
  });

  return router;
}

/** The route above, for the OpenAPI spec (./openapi.ts). */
export const outreachApi = apiGroup('tickets', '/api/v1', [
  {
    method: 'post',
    path: '/tickets',
    summary: 'Write to a known customer first: opens an agent-initiated ticket on one of their conversations',
    description:
      'The ticket is `origin: agent`, assigned to the agent, pending (waiting for the customer), with the bot off and no first-response SLA; ' +
      'the text is delivered on the conversation\'s channel. 404: unknown contact; 409 `open_ticket_exists` (with `ticketNumber`): the ' +
      'conversation already has a new, open or pending ticket (a resolved one is closed); 422 `no_conversation`: the contact never wrote on that channel.',
    body: startBody,
    success: { status: 201, description: 'the ticket (as in GET /tickets), with `messageId` and `closedTicketNumber`' },
  },
]);
