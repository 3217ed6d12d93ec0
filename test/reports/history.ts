/**
 * A known ticket history for the report tests, written straight into PostgreSQL (contacts,
 * conversations, tickets, messages, bot turns) with chosen timestamps, so every figure of a
 * report can be worked out by hand. The expected figures are in reports.test.ts, next to the
 * arithmetic behind them.
 */
import pg from 'pg';

/** A Moscow wall-clock time ("2025-03-03T10:00"), as an instant. Moscow is UTC+3 all year. */
export const msk = (local: string) => new Date(`${local}:00+03:00`);

export interface TicketSpec {
  key: string;
  channel: 'widget' | 'api' | 'telegram' | 'vk' | 'whatsapp';
  team?: string;
  assignee?: string;
  category?: string;
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  slaPolicy?: string | null;
  status: 'new' | 'open' | 'pending' | 'resolved' | 'closed';
  openedAt: Date;
  firstRespondedAt?: Date;
  resolvedAt?: Date;
  closedAt?: Date;
  firstResponseDueAt?: Date;
  resolutionDueAt?: Date;
  overdue?: boolean;
  csat?: { score: number; ratedAt: Date };
  /** Bot turns, each on a customer message of its own. */
  turns?: Array<{ action: 'answer' | 'suggest' | 'deflected' | 'handoff'; at: Date }>;
  /** An internal note by the assignee (or anna) at this time. */
  noteAt?: Date;
  /** The key of the ticket this one was merged into. */
  mergedInto?: string;
  /** `agent`: an agent wrote first (src/core/outreach.ts): the first message is theirs, at openedAt. */
  origin?: 'customer' | 'agent';
  /** When people first got the ticket from the bot. */
  handedOffAt?: Date;
  /** The KB bot still has the ticket (default: people have it). */
  botActive?: boolean;
}

/** Writes the tickets; returns their ids by key. */
export async function writeHistory(databaseUrl: string, specs: TicketSpec[], extraAgents: Array<{ handle: string; name: string; active: boolean }> = []): Promise<Map<string, string>> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN');
    for (const a of extraAgents) {
      await db.query(`INSERT INTO "Agent" ("id", "handle", "name", "active") VALUES (gen_random_uuid(), $1, $2, $3)`, [a.handle, a.name, a.active]);
    }
    const agents = new Map((await db.query<{ id: string; handle: string }>(`SELECT "id", "handle" FROM "Agent"`)).rows.map((r) => [r.handle, r.id]));
    const teams = new Map((await db.query<{ id: string; name: string }>(`SELECT "id", "name" FROM "Team"`)).rows.map((r) => [r.name, r.id]));
    const ids = new Map<string, string>();
    for (const t of specs) {
      const contact = (await db.query<{ id: string }>(`INSERT INTO "Contact" ("id", "name", "updatedAt") VALUES (gen_random_uuid(), $1, now()) RETURNING "id"`, [`Customer ${t.key}`])).rows[0]!.id;
      const conversation = (
        await db.query<{ id: string }>(`INSERT INTO "Conversation" ("id", "channel", "externalChatId", "contactId") VALUES (gen_random_uuid(), $1, $2, $3) RETURNING "id"`, [t.channel, `chat-${t.key}`, contact])
      ).rows[0]!.id;
      const assigneeId = t.assignee ? agents.get(t.assignee) : null;
      if (t.assignee && !assigneeId) throw new Error(`unknown agent ${t.assignee}`);
      const teamId = t.team ? teams.get(t.team) : null;
      if (t.team && !teamId) throw new Error(`unknown team ${t.team}`);
      const ticket = (
        await db.query<{ id: string }>(
          `INSERT INTO "Ticket" ("id", "conversationId", "contactId", "channel", "subject", "status", "priority", "category", "assigneeId", "teamId",
             "botActive", "openedAt", "firstResponseDueAt", "resolutionDueAt", "firstRespondedAt", "resolvedAt", "closedAt", "csatScore", "csatRatedAt",
             "slaPolicy", "overdue", "mergedIntoId", "origin", "handedOffAt", "createdAt", "updatedAt")
           VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $23, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $10, now())
           RETURNING "id"`,
          [
            conversation, contact, t.channel, `Ticket ${t.key}`, t.status, t.priority ?? 'normal', t.category ?? null, assigneeId, teamId,
            t.openedAt, t.firstResponseDueAt ?? null, t.resolutionDueAt ?? null, t.firstRespondedAt ?? null, t.resolvedAt ?? null, t.closedAt ?? null,
            t.csat?.score ?? null, t.csat?.ratedAt ?? null, t.slaPolicy === undefined ? (t.priority ?? 'normal') : t.slaPolicy, t.overdue ?? false,
            t.mergedInto ? ids.get(t.mergedInto) : null, t.origin ?? 'customer', t.handedOffAt ?? null, t.botActive ?? false,
          ],
        )
      ).rows[0]!.id;
      ids.set(t.key, ticket);
      const message = async (direction: string, authorKind: string, at: Date, agentId: string | null = null): Promise<string> =>
        (
          await db.query<{ id: string }>(
            `INSERT INTO "Message" ("id", "conversationId", "ticketId", "channel", "direction", "authorKind", "agentId", "text", "sentAt", "createdAt", "deliveryState")
             VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING "id"`,
            [conversation, ticket, t.channel, direction, authorKind, agentId, `${authorKind} in ${t.key}`, at, direction === 'outbound' ? 'sent' : null],
          )
        ).rows[0]!.id;
      if (t.origin === 'agent') await message('outbound', 'agent', t.openedAt, assigneeId ?? null);
      else await message('inbound', 'customer', t.openedAt);
      for (const turn of t.turns ?? []) {
        const asked = await message('inbound', 'customer', turn.at);
        await db.query(`INSERT INTO "BotTurn" ("messageId", "ticketId", "action", "lang", "createdAt") VALUES ($1, $2, $3, 'en', $4)`, [asked, ticket, turn.action, turn.at]);
        await message('outbound', 'bot', turn.at);
      }
      if (t.firstRespondedAt && t.origin !== 'agent') await message('outbound', 'agent', t.firstRespondedAt, assigneeId ?? null);
      if (t.noteAt) await message('outbound', 'note', t.noteAt, assigneeId ?? agents.get('anna') ?? null);
    }
    await db.query('COMMIT');
    return ids;
  } catch (err) {
    await db.query('ROLLBACK');
    throw err;
  } finally {
    await db.end();
  }
}
