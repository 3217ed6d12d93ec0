/**
 * Linking contacts across channels: one person who wrote on Telegram and on the widget becomes
 * one contact. Everything of the merged contact (channel identities, conversations, tickets)
 * moves to the kept one, which fills its missing profile fields from it and gains its tags and
 * attributes (the kept contact's values win); the merged contact is deleted.
 */
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import { NotFoundError, ValidationError } from './errors.js';
import { normalizeTags } from './tags.js';

export async function linkContacts(db: Db, keepId: string, mergeId: string): Promise<void> {
  if (keepId === mergeId) throw new ValidationError('a contact cannot be linked to itself', 'contactId');
  await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "Contact" WHERE "id" IN (${keepId}::uuid, ${mergeId}::uuid) ORDER BY "id" FOR UPDATE`;
    if (!rows.some((r) => r.id === keepId)) throw new NotFoundError(`contact ${keepId} not found`);
    if (!rows.some((r) => r.id === mergeId)) throw new NotFoundError(`contact ${mergeId} not found`);
    const [keep, merge] = await Promise.all([
      tx.contact.findUniqueOrThrow({ where: { id: keepId } }),
      tx.contact.findUniqueOrThrow({ where: { id: mergeId } }),
    ]);
    await tx.channelIdentity.updateMany({ where: { contactId: mergeId }, data: { contactId: keepId } });
    await tx.conversation.updateMany({ where: { contactId: mergeId }, data: { contactId: keepId } });
    await tx.ticket.updateMany({ where: { contactId: mergeId }, data: { contactId: keepId } });
    await tx.contact.update({
      where: { id: keepId },
      data: {
        name: keep.name ?? merge.name,
        email: keep.email ?? merge.email,
        phone: keep.phone ?? merge.phone,
        language: keep.language ?? merge.language,
        tags: normalizeTags([...keep.tags, ...merge.tags]),
        attributes: { ...asObject(merge.attributes), ...asObject(keep.attributes) } as Prisma.InputJsonValue,
      },
    });
    await tx.contact.delete({ where: { id: mergeId } });
  });
}

function asObject(value: Prisma.JsonValue): Record<string, Prisma.JsonValue> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, Prisma.JsonValue>) : {};
}
