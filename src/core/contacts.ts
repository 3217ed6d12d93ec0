/** Contacts and their channel identities: one person, reachable on several channels. */
import type { Db } from '../db/prisma.js';
import type { Channel, Sender } from './model.js';

/**
 * Finds the contact behind a channel identity, creating both on first contact, and fills in
 * profile fields the contact does not have yet (never overwriting what an agent may have set).
 * Safe under concurrency: the identity's unique key decides which of two racing creators wins.
 */
export async function resolveContact(db: Db, channel: Channel, sender: Sender): Promise<string> {
  // One joined read on the hot path (every inbound message comes through here).
  const rows = await db.$queryRaw<Array<{ contactId: string; username: string | null; name: string | null; email: string | null; phone: string | null; language: string | null }>>`
    SELECT i."contactId", i."username", c."name", c."email", c."phone", c."language"
    FROM "ChannelIdentity" i JOIN "Contact" c ON c."id" = i."contactId"
    WHERE i."channel" = ${channel}::"Channel" AND i."externalId" = ${sender.id}`;
  const found = rows[0];
  const existing = found ? { contactId: found.contactId, username: found.username, contact: found } : null;
  if (existing) {
    const c = existing.contact;
    const fill = {
      ...(!c.name && sender.name ? { name: sender.name } : {}),
      ...(!c.email && sender.email ? { email: sender.email } : {}),
      ...(!c.phone && sender.phone ? { phone: sender.phone } : {}),
      ...(!c.language && sender.language ? { language: sender.language } : {}),
    };
    if (Object.keys(fill).length) await db.contact.update({ where: { id: existing.contactId }, data: fill });
    if (sender.username && sender.username !== existing.username) {
      await db.channelIdentity.update({
        where: { channel_externalId: { channel, externalId: sender.id } },
        data: { username: sender.username },
      });
    }
    return existing.contactId;
  }
  const contactId = await db.$transaction(async (tx) => {
    const contact = await tx.contact.create({
      data: { name: sender.name ?? null, email: sender.email ?? null, phone: sender.phone ?? null, language: sender.language ?? null },
      select: { id: true },
    });
    const created = await tx.channelIdentity.createManyAndReturn({
      data: [{ contactId: contact.id, channel, externalId: sender.id, username: sender.username ?? null }],
      skipDuplicates: true,
    });
    // Lost the race to a concurrent first message: roll our contact back and use theirs.
    if (created.length === 0) throw new LostRace();
    return contact.id;
  }).catch((err: unknown) => (err instanceof LostRace ? null : Promise.reject(err)));
  return contactId ?? resolveContact(db, channel, sender);
}

class LostRace extends Error {}
