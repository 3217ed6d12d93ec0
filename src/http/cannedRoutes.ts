/**
 * Canned responses over the REST API (src/core/canned.ts):
 * - `GET /canned` lists them (shortcut, title, text in both languages);
 * - `POST /tickets/:number/canned` `{"shortcut", "agent"?}` sends one to the ticket's customer as
 *   that agent's reply, in the customer's language with the placeholders filled:
 *   `201 {"messageId", "text"}`; an unknown shortcut is a 400 naming `shortcut`.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { CannedResponses } from '../core/canned.js';
import { HttpError } from './errors.js';
import { actingAgent } from '../console/auth.js';
import { text } from './schemas.js';
import { apiGroup } from './apiRoutes.js';
import { ticketNumberParam } from './ticketsRoutes.js';

const sendBody = z
  .object({
    shortcut: text().trim().min(1).max(100),
    /** The agent's handle or email: the reply is theirs ({{agent.name}}, first response, assignment). */
    agent: text().min(1).optional(),
  })
  .strict();

export function cannedRouter(canned: CannedResponses): Router {
  const router = Router();

  router.get('/canned', (_req, res) => {
    res.json({ canned: canned.list() });
  });

  router.post('/tickets/:number/canned', async (req, res) => {
    const raw = req.params.number;
    const number = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
    if (!(number >= 1 && number <= 2_147_483_647)) throw new HttpError(400, 'invalid_request', `ticket number must be a positive integer, got "${raw}"`, 'number');
    const body = sendBody.parse(req.body);
    res.status(201).json(await canned.send(number, body.shortcut, actingAgent(res, body.agent)));
  });

  return router;
}

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const cannedApi = apiGroup('canned responses', '/api/v1', [
  { method: 'get', path: '/canned', summary: 'List the canned responses (shortcut, title, text in both languages)' },
  {
    method: 'post', path: '/tickets/:number/canned', summary: "Send a canned response as the agent's reply, in the customer's language",
    params: { number: ticketNumberParam }, body: sendBody, success: { status: 201, description: '`{messageId, text}`' },
  },
]);
