/** Contacts and their channel identities: one person, reachable on several channels. */
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import type { Channel, Sender } from './model.js';

type Sql = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

interface KnownIdentity {
  contactId: string;
  username: string | null;
  name: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
}

/**
 * Finds the contact behind a channel identity, creating both on first contact, and fills in
 * profile fields the contact does not have yet (never overwriting what an agent may have set).
 * Safe under concurrency: the identity's unique key decides which of two racing creators wins.
 * Raw SQL because every first message of a conversation comes through here.
 */
export async function resolveContact(db: Sql, channel: Channel, sender: Sender): Promise<string> {
  const rows = await db.$queryRaw<KnownIdentity[]>`
    SELECT i."contactId", i."username", c."name", c."email", c."phone", c."language"
    FROM "ChannelIdentity" i JOIN "Contact" c ON c."id" = i."contactId"
    WHERE i."channel" = ${channel}::"Channel" AND i."externalId" = ${sender.id}`;
  const known = rows[0];
  if (known) {
    await fillProfile(db, channel, sender, known);
    return known.contactId;
  }
  // Contact and identity in one statement: the identity's unique key settles a race.
  const contactId = randomUUID();
  const created = await db.$queryRaw<Array<{ contactId: string }>>`
    WITH contact AS (
      INSERT INTO "Contact" ("id", "name", "email", "phone", "language", "updatedAt")
      VALUES (${contactId}::uuid, ${sender.name ?? null}, ${sender.email ?? null}, ${sender.phone ?? null}, ${sender.language ?? null}, now())
      RETURNING "id"
    )
    INSERT INTO "ChannelIdentity" ("id", "contactId", "channel", "externalId", "username")
    SELECT gen_random_uuid(), contact."id", ${channel}::"Channel", ${sender.id}, ${sender.username ?? null} FROM contact
    ON CONFLICT ("channel", "externalId") DO NOTHING
    RETURNING "contactId"`;
  if (created[0]) return contactId;
  // Lost the race to a concurrent first message: drop our contact and use theirs.
  await db.$executeRaw`DELETE FROM "Contact" WHERE "id" = ${contactId}::uuid`;
  return resolveContact(db, channel, sender);
}

async function fillProfile(db: Sql, channel: Channel, sender: Sender, known: KnownIdentity): Promise<void> {
  const lacks = (mine: string | null, theirs: string | undefined) => !mine && Boolean(theirs);
  if (lacks(known.name, sender.name) || lacks(known.email, sender.email) || lacks(known.phone, sender.phone) || lacks(known.language, sender.language)) {
    await db.$executeRaw`
      UPDATE "Contact" SET "name" = COALESCE("name", ${sender.name ?? null}), "email" = COALESCE("email", ${sender.email ?? null}),
        "phone" = COALESCE("phone", ${sender.phone ?? null}), "language" = COALESCE("language", ${sender.language ?? null}), "updatedAt" = now()
      WHERE "id" = ${known.contactId}::uuid`;
  }
  if (sender.username && sender.username !== known.username) {
    await db.$executeRaw`
      UPDATE "ChannelIdentity" SET "username" = ${sender.username}
      WHERE "channel" = ${channel}::"Channel" AND "externalId" = ${sender.id}`;
  }
}
