/**
 * Pull (`next`): an agent takes the most urgent ticket waiting for them. The queue is the
 * unassigned new or open tickets of the agent's teams, or of no team, in categories their skills
 * cover, that are with people: the bot gave them up (botActive = false), or the bot takes no
 * tickets at all now (BOT_ENABLED=false or an empty KB, when every ticket goes to people at once,
 * as the desks' cards do). Most urgent first (priority), then the nearest deadline
 * (Ticket.nextDueAt: the unmet first-response, else resolution due time), then the longest waiting.
 *
 * Concurrency: candidates are taken with TicketService.update(…, {ifUnassigned}) one by one; a
 * ticket someone else got meanwhile is a ConflictError and the next candidate is tried, so two
 * agents pulling at once never get the same ticket. The agent's capacity is counted under their
 * advisory lock, in the same transaction.
 */
import type { Db } from '../../db/prisma.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Actor } from '../events.js';
import type { TicketService } from '../tickets.js';
import { waitsForPeople } from './assigner.js';
import { openLoad } from './eligibility.js';
import { lockAgent } from './locks.js';

/** How many candidates one round reads; rounds repeat while others keep taking them. */
const CANDIDATES = 10;
const ROUNDS = 5;

/** The agent already has as many open tickets as their capacity. */
export class AtCapacityError extends ConflictError {
  override name = 'AtCapacityError';
}

export type PullResult = { ticket: { id: string; number: number } } | { ticket: null; reason: 'empty' };

export interface PullDeps {
  db: Db;
  tickets: TicketService;
  botHandles: () => boolean;
}

/** Hands the agent (handle or email) the next ticket of their queue, or says the queue is empty. */
export async function pullNext(deps: PullDeps, agentRef: string): Promise<PullResult> {
  const key = agentRef.replace(/^@/, '');
  const agent = await deps.db.agent.findFirst({
    where: { OR: [{ handle: key }, { email: key }] },
    select: { id: true, handle: true, name: true, capacity: true, skills: true, active: true, teams: { select: { teamId: true } } },
  });
  if (!agent) throw new NotFoundError(`unknown agent "${agentRef}"`);
  if (!agent.active) throw new ValidationError(`@${agent.handle} is no longer an agent of the desk`, 'agent');
  const full = () => new AtCapacityError(`@${agent.handle} is at capacity (${agent.capacity} open ticket${agent.capacity === 1 ? '' : 's'}): resolve or hand one over first`);
  if (agent.capacity !== null && (await openLoad(deps.db, agent.id)) >= agent.capacity) throw full();
  const actor: Actor = { kind: 'agent', name: agent.name, agentId: agent.id };
  const teamIds = agent.teams.map((m) => m.teamId);
  for (let round = 0; round < ROUNDS; round++) {
    const candidates = await queueFor(deps, teamIds, agent.skills);
    if (!candidates.length) break;
    for (const c of candidates) {
      try {
        await deps.tickets.update(c.number, {}, actor, {
          ifUnassigned: true,
          chooseAssignee: async (tx, t) => {
            if (!waitsForPeople(t, deps.botHandles())) throw new ConflictError(`ticket #${t.number} no longer waits`);
            await lockAgent(tx, agent.id);
            if (agent.capacity !== null && (await openLoad(tx, agent.id)) >= agent.capacity) throw full();
            await tx.agent.update({ where: { id: agent.id }, data: { lastAssignedAt: new Date() } });
            return { id: agent.id };
          },
        });
        return { ticket: c };
      } catch (err) {
        // Someone else got it meanwhile: try the next one.
        if (err instanceof AtCapacityError || !(err instanceof ConflictError)) throw err;
      }
    }
    // Every candidate went to someone else: look again, the queue may hold more.
  }
  return { ticket: null, reason: 'empty' };
}

async function queueFor(deps: PullDeps, teamIds: string[], skills: string[]): Promise<Array<{ id: string; number: number }>> {
  const anyBot = !deps.botHandles();
  return deps.db.$queryRaw<Array<{ id: string; number: number }>>`
    SELECT t."id", t."number" FROM "Ticket" t
    WHERE t."assigneeId" IS NULL AND t."status" IN ('new', 'open') AND t."mergedIntoId" IS NULL
      AND (NOT t."botActive" OR ${anyBot})
      AND (t."teamId" IS NULL OR t."teamId" = ANY(${teamIds}::uuid[]))
      AND (t."category" IS NULL OR cardinality(${skills}::text[]) = 0
           OR EXISTS (SELECT 1 FROM unnest(${skills}::text[]) s WHERE t."category" = s OR starts_with(t."category", s || '/')))
    ORDER BY t."priority" DESC, t."nextDueAt" ASC NULLS LAST, t."openedAt" ASC, t."number" ASC
    LIMIT ${CANDIDATES}`;
}
