/**
 * Transaction-level advisory locks of assignment: held until the transaction ends, shared by
 * every app instance on the database. Order, to stay free of deadlocks: a ticket's row lock
 * first (TicketService.update takes it), then at most one team lock, then at most one agent lock.
 */
import type { Prisma } from '../../generated/prisma/client.js';

/** Namespaces (the first key of pg_advisory_xact_lock(int, int)); the second is a hash of the id. */
const TEAM_LOCK = 0x6f640001;
const AGENT_LOCK = 0x6f640002;

/** Serializes automatic assignment within a team: fair turns, no double assignment. */
export async function lockTeam(tx: Prisma.TransactionClient, teamId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${TEAM_LOCK}::int, hashtext(${teamId}))`;
}

/** Serializes everything that gives an agent a ticket: their capacity is counted under it. */
export async function lockAgent(tx: Prisma.TransactionClient, agentId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AGENT_LOCK}::int, hashtext(${agentId}))`;
}
