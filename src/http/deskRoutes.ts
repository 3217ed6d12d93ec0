/**
 * The desk's REST API: the configuration (versioned) and the agents (availability, absences,
 * load, pulling the next ticket). Mounted under /api/v1 behind the admin bearer token.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { AssignmentService } from '../core/assignment/service.js';
import { principalOf } from '../console/auth.js';
import { AtCapacityError } from '../core/assignment/pull.js';
import { addAbsence, getAgentView, listAgents, removeAbsence, setAvailability } from '../core/directory/agents.js';
import { API_AUTHOR, type DeskConfigStore } from '../core/directory/store.js';
import { DeskConfigError } from '../core/deskConfig.js';
import type { DeskSettings } from '../core/deskSettings.js';
import { NotFoundError } from '../core/errors.js';
import { getTicket } from '../core/ticketQueries.js';
import type { Db } from '../db/prisma.js';
import { HttpError } from './errors.js';
import { text } from './schemas.js';
import { ticketView } from './views.js';
import { apiGroup } from './apiRoutes.js';

export interface DeskRoutesDeps {
  db: Db;
  store: DeskConfigStore;
  settings: DeskSettings;
  assignment: AssignmentService;
}

/** The largest configuration accepted. */
const CONFIG_LIMIT = '1mb';

const isoDate = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'expected an ISO 8601 date or date-time, e.g. 2026-12-28 or 2026-12-28T09:00:00Z' })
  .transform((s) => new Date(s));

const configBody = z.object({ yaml: z.string().min(1), author: text().min(1).max(100).optional() }).strict();
const availabilityBody = z.object({ availability: z.enum(['online', 'away', 'offline']) }).strict();
const absenceBody = z.object({ from: isoDate, to: isoDate, reason: text().max(200).optional() }).strict();
const versionParam = z.coerce.number().int().positive();

export function deskRouter({ db, store, settings, assignment }: DeskRoutesDeps): Router {
  const router = Router();
  const body = [express.json({ limit: CONFIG_LIMIT }), express.text({ type: ['text/*', 'application/yaml', 'application/x-yaml'], limit: CONFIG_LIMIT })];

  router.get('/desk-config', async (_req, res) => {
    const current = await store.current();
    if (!current) throw new NotFoundError('no desk configuration is stored yet');
    res.json({ ...current, config: settings.current });
  });

  router.put('/desk-config', ...body, async (req, res) => {
    let yaml: string;
    let author = API_AUTHOR;
    if (typeof req.body === 'string') yaml = req.body;
    else {
      const parsed = configBody.parse(req.body ?? {});
      yaml = parsed.yaml;
      if (parsed.author) author = `${API_AUTHOR}:${parsed.author}`;
    }
    // A console user is named by the server, not by the body: the history says who changed the desk.
    const principal = principalOf(res);
    if (principal?.kind === 'session') author = `console:${principal.user.email}`;
    if (yaml.includes('\u0000')) throw new HttpError(400, 'invalid_config', 'the configuration must not contain NUL (\\u0000) characters');
    try {
      const version = await store.save(yaml, author);
      res.status(201).json(version);
    } catch (err) {
      if (!(err instanceof DeskConfigError)) throw err;
      const line = /^[^:]*:(\d+):/.exec(err.message)?.[1];
      res.status(400).json({ error: 'invalid_config', message: err.message, ...(line ? { line: Number(line) } : {}) });
    }
  });

  router.get('/desk-config/versions', async (_req, res) => {
    res.json({ versions: (await store.versions()).map((v) => ({ ...v, current: v.version === settings.version })) });
  });

  router.get('/desk-config/versions/:version', async (req, res) => {
    const version = versionParam.safeParse(req.params.version);
    if (!version.success) throw new HttpError(400, 'invalid_request', 'version must be a positive integer', 'version');
    const found = await store.get(version.data);
    if (!found) throw new NotFoundError(`desk configuration version ${version.data} not found`);
    res.json({ ...found, current: found.version === settings.version });
  });

  router.get('/agents', async (_req, res) => {
    res.json({ agents: await listAgents(db) });
  });

  router.get('/agents/:handle', async (req, res) => {
    res.json(await getAgentView(db, req.params.handle));
  });

  router.patch('/agents/:handle', express.json(), async (req, res) => {
    const { availability } = availabilityBody.parse(req.body ?? {});
    const { id, changed } = await setAvailability(db, req.params.handle, availability);
    // Back online: queued tickets of their teams may go to them now.
    if (changed && availability === 'online') await assignment.flowTo(id);
    res.json(await getAgentView(db, req.params.handle));
  });

  router.post('/agents/:handle/absences', express.json(), async (req, res) => {
    const absence = absenceBody.parse(req.body ?? {});
    const { id } = await addAbsence(db, req.params.handle, absence);
    res.status(201).json({ id, ...absence, reason: absence.reason ?? null });
  });

  router.delete('/agents/:handle/absences/:id', async (req, res) => {
    if (!z.uuid().safeParse(req.params.id).success) throw new NotFoundError(`no absence "${req.params.id}"`);
    const agentId = await removeAbsence(db, req.params.handle, req.params.id);
    await assignment.flowTo(agentId);
    res.status(204).end();
  });

  router.post('/agents/:handle/next', async (req, res) => {
    // A signed-in agent takes the next ticket for themselves, never onto a colleague; an admin
    // (or the bearer token, which the desks use for their agents) may pull for anyone.
    const principal = principalOf(res);
    if (principal?.kind === 'session' && principal.role !== 'admin' && principal.user.agent?.handle !== req.params.handle) {
      throw new HttpError(403, 'forbidden', 'an agent takes the next ticket for themselves');
    }
    try {
      const result = await assignment.next(req.params.handle);
      if (!result.ticket) {
        res.json({ ticket: null, message: 'the queue is empty: no unassigned ticket waits for you' });
        return;
      }
      const ticket = await getTicket(db, result.ticket.number);
      res.json({ ticket: ticket ? ticketView(ticket) : null });
    } catch (err) {
      if (err instanceof AtCapacityError) throw new HttpError(409, 'at_capacity', err.message);
      throw err;
    }
  });

  return router;
}

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const deskApi = apiGroup('desk', '/api/v1', [
  { method: 'get', path: '/desk-config', summary: 'The desk configuration in force, and its version' },
  {
    method: 'put', path: '/desk-config', summary: 'Store a new configuration version (validated; a 400 names the line)',
    body: configBody, rawBody: { contentTypes: ['application/yaml', 'text/plain'], description: 'the YAML itself, or JSON `{yaml, author?}`' },
    success: { status: 201, description: 'the stored version' },
  },
  { method: 'get', path: '/desk-config/versions', summary: 'Every stored configuration version' },
  { method: 'get', path: '/desk-config/versions/:version', summary: 'One configuration version', params: { version: versionParam } },
  { method: 'get', path: '/agents', summary: 'Agents with their load, availability and absences' },
  { method: 'get', path: '/agents/:handle', summary: 'One agent' },
  { method: 'patch', path: '/agents/:handle', summary: "Set an agent's availability (online, away, offline)", body: availabilityBody },
  { method: 'post', path: '/agents/:handle/absences', summary: 'Add an absence (vacation, sick leave)', body: absenceBody, success: { status: 201, description: 'the absence' } },
  { method: 'delete', path: '/agents/:handle/absences/:id', summary: 'Remove an absence', success: { status: 204, description: 'removed' } },
  { method: 'post', path: '/agents/:handle/next', summary: 'Pull the next ticket from the queue for this agent: `{ticket}` (null when empty)' },
]);
