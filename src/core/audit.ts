/** The audit trail: one row per thing that happened to a ticket, and who did it. */
import type { Prisma } from '../generated/prisma/client.js';
import type { Actor } from './events.js';

export async function audit(
  tx: Prisma.TransactionClient,
  ticketId: string,
  type: string,
  actor: Actor,
  data: Record<string, unknown> = {},
): Promise<void> {
  await tx.ticketEvent.create({
    data: {
      ticketId,
      type,
      actorKind: actor.kind,
      actorName: actor.name ?? null,
      agentId: actor.agentId ?? null,
      data: data as Prisma.InputJsonValue,
    },
  });
}
