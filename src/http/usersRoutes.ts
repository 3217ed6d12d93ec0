/** Console users, for admins: list, create (a generated password is returned once), change, remove. */
import express, { Router } from 'express';
import { z } from 'zod';
import { principalOf, type ConsoleAuth } from '../console/auth.js';
import { generatePassword } from '../console/passwords.js';
import type { UserStore } from '../console/users.js';
import { NotFoundError } from '../core/errors.js';
import { HttpError } from './errors.js';
import { text } from './schemas.js';
import { apiGroup } from './apiRoutes.js';

const role = z.enum(['admin', 'agent', 'viewer']);
const createBody = z
  .object({ email: z.email(), name: text().trim().min(1).max(100).optional(), role, password: z.string().max(1000).optional(), agent: text().optional() })
  .strict();
const patchBody = z
  .object({ name: text().trim().min(1).max(100).optional(), role: role.optional(), password: z.string().max(1000).optional(), active: z.boolean().optional(), agent: text().nullable().optional() })
  .strict();
const uuid = z.uuid();

export function usersRouter(deps: { users: UserStore; auth: ConsoleAuth }): Router {
  const { users, auth } = deps;
  const router = Router();
  const idOf = (raw: unknown) => {
    const parsed = uuid.safeParse(raw);
    if (!parsed.success) throw new NotFoundError(`no user ${String(raw)}`);
    return parsed.data;
  };

  router.get('/users', async (_req, res) => {
    res.json({ users: await users.list() });
  });

  router.post('/users', express.json(), async (req, res) => {
    const body = createBody.parse(req.body);
    if (await users.findByEmail(body.email)) throw new HttpError(409, 'conflict', `a user with the email "${body.email}" exists`, 'email');
    const password = body.password ?? generatePassword();
    const user = await users.upsert({ ...body, password });
    res.status(201).json({ user, ...(body.password ? {} : { password }) });
  });

  router.patch('/users/:id', express.json(), async (req, res) => {
    const id = idOf(req.params.id);
    const body = patchBody.parse(req.body);
    const current = await users.get(id);
    if (!current) throw new NotFoundError(`no user ${id}`);
    const demotes = (body.role !== undefined && body.role !== 'admin') || body.active === false;
    if (current.role === 'admin' && demotes && (await users.otherActiveAdmins(id)) === 0) throw new HttpError(409, 'conflict', 'the last admin cannot be demoted or deactivated');
    const user = await users.update(id, body);
    // A new password, role or deactivation signs the user out everywhere (but in the session making the change).
    if (body.password !== undefined || body.role !== undefined || body.active === false) {
      const self = principalOf(res);
      await auth.sessions.revokeAll(id, self?.kind === 'session' && self.user.id === id ? self.token : undefined);
    }
    res.json({ user });
  });

  router.delete('/users/:id', async (req, res) => {
    const id = idOf(req.params.id);
    const current = await users.get(id);
    if (!current) throw new NotFoundError(`no user ${id}`);
    if (current.role === 'admin' && (await users.otherActiveAdmins(id)) === 0) throw new HttpError(409, 'conflict', 'the last admin cannot be removed');
    await users.remove(id);
    res.status(204).end();
  });

  return router;
}

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const usersApi = apiGroup('console users', '/api/v1', [
  { method: 'get', path: '/users', summary: 'List the console users (admins only)' },
  {
    method: 'post', path: '/users', summary: 'Create a console user; without `password` one is generated and answered once',
    body: createBody, success: { status: 201, description: '`{user, password?}`' },
  },
  { method: 'patch', path: '/users/:id', summary: "Change a user's name, role, password, agent or active flag", params: { id: uuid }, body: patchBody },
  { method: 'delete', path: '/users/:id', summary: 'Remove a user (never the last admin)', params: { id: uuid }, success: { status: 204, description: 'removed' } },
]);
