/**
 * Saved views: named ticket lists (filters + a sort) shared by the agents, e.g. "Overdue VIP",
 * "My open", "Unassigned Telegram". GET /views/:id/tickets runs one.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import { NotFoundError } from '../core/errors.js';
import { listTickets, TICKET_SORTS, type TicketSort } from '../core/ticketQueries.js';
import { HttpError } from './errors.js';
import { text } from './schemas.js';
import { viewFilters, type ViewFilters } from './ticketFilter.js';
import { ticketView } from './views.js';
import { apiGroup } from './apiRoutes.js';

const viewName = text().trim().min(1).max(100);
/** priority, deadline, age, … (see TICKET_SORTS); "-priority" puts the most urgent first. */
const viewSort = z.enum(TICKET_SORTS);

const viewBody = z
  .object({
    name: viewName,
    filters: viewFilters.default({}),
    sort: viewSort.default('-priority'),
  })
  .strict();

/** What PATCH changes: only the fields given (the console's "Update view" sends filters and sort, never a name it may have loaded before a rename). */
const viewPatch = z
  .object({ name: viewName.optional(), filters: viewFilters.optional(), sort: viewSort.optional() })
  .strict()
  .refine((p) => p.name !== undefined || p.filters !== undefined || p.sort !== undefined, { message: 'give name, filters or sort' });

const page = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

type ViewRow = Prisma.SavedViewGetPayload<object>;

function view(v: ViewRow) {
  return { id: v.id, name: v.name, filters: v.filters as ViewFilters, sort: v.sort, createdAt: v.createdAt, updatedAt: v.updatedAt };
}

const nameConflict = (name: string) => new HttpError(409, 'conflict', `a view named "${name}" already exists`, 'name');

/**
 * Names are one whatever their case ("VIP" and "vip" would be two views nobody tells apart):
 * checked here; the database's unique index on the exact name catches two saves at once.
 */
async function assertNameFree(db: Db, name: string, exceptId?: string): Promise<void> {
  const clash = await db.savedView.findFirst({ where: { name: { equals: name, mode: 'insensitive' }, ...(exceptId ? { NOT: { id: exceptId } } : {}) }, select: { id: true } });
  if (clash) throw nameConflict(name);
}

/** A unique-name clash becomes a 409 naming the field. */
function nameTaken(name: string) {
  return (err: unknown): never => {
    if ((err as { code?: string }).code === 'P2002') throw nameConflict(name);
    throw err;
  };
}

async function findView(db: Db, id: string): Promise<ViewRow> {
  const found = z.uuid().safeParse(id).success ? await db.savedView.findUnique({ where: { id } }) : null;
  if (!found) throw new NotFoundError(`view ${id} not found`);
  return found;
}

export function viewsRouter(db: Db): Router {
  const router = Router();

  router.get('/views', async (_req, res) => {
    const views = await db.savedView.findMany({ orderBy: { name: 'asc' } });
    res.json({ views: views.map(view) });
  });

  router.post('/views', async (req, res) => {
    const body = viewBody.parse(req.body);
    await assertNameFree(db, body.name);
    const created = await db.savedView.create({ data: { name: body.name, filters: body.filters, sort: body.sort } }).catch(nameTaken(body.name));
    res.status(201).json(view(created));
  });

  router.get('/views/:id', async (req, res) => {
    res.json(view(await findView(db, req.params.id)));
  });

  router.put('/views/:id', async (req, res) => {
    const body = viewBody.parse(req.body);
    await findView(db, req.params.id);
    await assertNameFree(db, body.name, req.params.id);
    const updated = await db.savedView
      .update({ where: { id: req.params.id }, data: { name: body.name, filters: body.filters, sort: body.sort } })
      .catch(nameTaken(body.name));
    res.json(view(updated));
  });

  router.patch('/views/:id', async (req, res) => {
    const body = viewPatch.parse(req.body);
    const saved = await findView(db, req.params.id);
    if (body.name !== undefined) await assertNameFree(db, body.name, req.params.id);
    const updated = await db.savedView
      .update({ where: { id: req.params.id }, data: { name: body.name, filters: body.filters, sort: body.sort } })
      .catch(nameTaken(body.name ?? saved.name));
    res.json(view(updated));
  });

  router.delete('/views/:id', async (req, res) => {
    await findView(db, req.params.id);
    await db.savedView.delete({ where: { id: req.params.id } });
    res.status(204).end();
  });

  router.get('/views/:id/tickets', async (req, res) => {
    const saved = await findView(db, req.params.id);
    // Stored filters were validated when saved; parse again so a view saved by an older version cannot inject anything.
    const filters = viewFilters.parse(saved.filters);
    const { tickets, total } = await listTickets(db, { ...filters, sort: saved.sort as TicketSort, ...page.parse(req.query) });
    res.json({ view: view(saved), tickets: tickets.map(ticketView), total });
  });

  return router;
}

const viewIdParam = z.uuid();

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const viewsApi = apiGroup('saved views', '/api/v1', [
  { method: 'get', path: '/views', summary: 'List the saved views' },
  { method: 'post', path: '/views', summary: 'Save a view (filters and a sort)', body: viewBody, success: { status: 201, description: 'the view' } },
  { method: 'get', path: '/views/:id', summary: 'One saved view', params: { id: viewIdParam } },
  { method: 'put', path: '/views/:id', summary: 'Replace a saved view', params: { id: viewIdParam }, body: viewBody },
  { method: 'patch', path: '/views/:id', summary: 'Change some of a saved view (name, filters, sort)', params: { id: viewIdParam }, body: viewPatch },
  { method: 'delete', path: '/views/:id', summary: 'Delete a saved view', params: { id: viewIdParam }, success: { status: 204, description: 'deleted' } },
  { method: 'get', path: '/views/:id/tickets', summary: "The view's tickets: `{view, tickets, total}`", params: { id: viewIdParam }, query: page },
]);
