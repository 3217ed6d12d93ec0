/** Contacts: find one, see its channels and tickets, and link two that are one person. */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/prisma.js';
import { linkContacts } from '../core/contactLink.js';
import { NotFoundError } from '../core/errors.js';
import { text } from './schemas.js';
import { apiGroup } from './apiRoutes.js';

const searchQuery = z.object({
  q: text().trim().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const linkBody = z.object({ contactId: z.uuid() }).strict();

const contactInclude = {
  identities: { select: { channel: true, externalId: true, username: true } },
  // Where an agent can write to them first (POST /tickets): most recently active first.
  conversations: { select: { id: true, channel: true, lastMessageAt: true }, orderBy: { lastMessageAt: 'desc' as const }, take: 50 },
  tickets: { select: { number: true, status: true, origin: true, channel: true, subject: true, createdAt: true }, orderBy: { number: 'desc' as const }, take: 50 },
};

export function contactsRouter(db: Db): Router {
  const router = Router();

  router.get('/contacts', async (req, res) => {
    const { q, limit } = searchQuery.parse(req.query);
    const contacts = await db.contact.findMany({
      where: q
        ? { OR: [{ name: { contains: q, mode: 'insensitive' } }, { email: { contains: q, mode: 'insensitive' } }, { phone: { contains: q } }] }
        : {},
      include: contactInclude,
      orderBy: { updatedAt: 'desc' },
      take: limit,
    });
    res.json({ contacts });
  });

  router.get('/contacts/:id', async (req, res) => {
    const contact = z.uuid().safeParse(req.params.id).success ? await db.contact.findUnique({ where: { id: req.params.id }, include: contactInclude }) : null;
    if (!contact) throw new NotFoundError(`contact ${req.params.id} not found`);
    res.json(contact);
  });

  /** Links `contactId` into this contact: one person, several channels. */
  router.post('/contacts/:id/link', async (req, res) => {
    const { contactId } = linkBody.parse(req.body);
    if (!z.uuid().safeParse(req.params.id).success) throw new NotFoundError(`contact ${req.params.id} not found`);
    await linkContacts(db, req.params.id, contactId);
    res.json(await db.contact.findUniqueOrThrow({ where: { id: req.params.id }, include: contactInclude }));
  });

  return router;
}

const contactIdParam = z.uuid();

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const contactsApi = apiGroup('contacts', '/api/v1', [
  { method: 'get', path: '/contacts', summary: 'Find contacts by name, email or phone', query: searchQuery },
  { method: 'get', path: '/contacts/:id', summary: 'One contact with its channel identities, conversations and tickets', params: { id: contactIdParam } },
  { method: 'post', path: '/contacts/:id/link', summary: 'Link `contactId` into this contact: one person on several channels', params: { id: contactIdParam }, body: linkBody },
]);
