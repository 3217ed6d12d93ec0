/**
 * Automatic assignment: a ticket that reaches people goes to an agent of its team by the team's
 * strategy (round-robin, least-loaded) or stays unassigned for agents to pull (pool). With no
 * eligible agent (see eligibility.ts) the ticket stays queued: unassigned, in its team, and
 * `flow` hands it out when capacity frees.
 *
 * The choice and the assignment are one transaction (TicketService.update's `chooseAssignee`),
 * under the team's advisory lock (fair turns: Agent.lastAssignedAt is the shared round-robin
 * position) and the chosen agent's (capacity), so any number of instances behave as one.
 */
import type { Db } from '../../db/prisma.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { DeskSettings } from '../deskSettings.js';
import type { Actor } from '../events.js';
import type { LockedTicket, TicketService } from '../tickets.js';
import { availableMembers, openLoad, QUEUED_STATUSES, type Candidate, type Strategy } from './eligibility.js';
import { lockAgent, lockTeam } from './locks.js';

export const ASSIGNMENT_ACTOR: Actor = { kind: 'system', name: 'assignment' };

/** How many queued tickets of a team one `flow` pass looks at. */
const FLOW_BATCH = 50;
/** Attempts when the chosen agent filled up between the choice and their lock (another instance, a pull). */
const ATTEMPTS = 5;

export type AssignResult =
  | { outcome: 'assigned'; agentId: string; handle: string }
  /** No eligible agent with free capacity: the ticket waits in its team's queue. */
  | { outcome: 'queued' }
  | { outcome: 'skipped'; reason: 'pool' | 'no-team' | 'not-waiting' | 'not-found' };

export interface AssignmentDeps {
  db: Db;
  tickets: TicketService;
  settings: DeskSettings;
  /** True while the KB bot takes new tickets: then a ticket the bot still holds is not with people yet. */
  botHandles: () => boolean;
  log: Logger;
}

/** The agent filled up after being chosen: roll back and choose again. */
class ChoiceRaced extends Error {}

/** Runs `work` (a transaction that calls pickMember) again when the chosen agent filled up meanwhile. */
export async function retryingChoice<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ChoiceRaced) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/** Whether a ticket (as read under its lock) waits for people: not assigned, new or open, not held by a working bot. */
export function waitsForPeople(t: Pick<LockedTicket, 'assigneeId' | 'status' | 'botActive'>, botHandles: boolean): boolean {
  return !t.assigneeId && (QUEUED_STATUSES as readonly string[]).includes(t.status) && !(t.botActive && botHandles);
}

export class Assigner {
  constructor(private readonly deps: AssignmentDeps) {}

  /** A team's strategy: from the configuration in force, else the synced row (a team no longer configured is a pool). */
  strategyOf(team: { name: string } | null): Strategy {
    if (!team) return 'pool';
    return this.deps.settings.current.teams.find((t) => t.name === team.name)?.strategy ?? 'pool';
  }

  /**
   * Under the team's lock: the best eligible member for a ticket (excluding `exclude`), whose turn
   * is then recorded. Null when nobody is eligible.
   */
  async pickMember(tx: Prisma.TransactionClient, ticket: { teamId: string; category: string | null }, strategy: Exclude<Strategy, 'pool'>, now: Date, exclude?: string): Promise<Candidate | null> {
    await lockTeam(tx, ticket.teamId);
    const pick = (await availableMembers(tx, ticket.teamId, ticket.category, strategy, now)).find((c) => c.covers && c.id !== exclude);
    if (!pick) return null;
    await lockAgent(tx, pick.id);
    // A pull or another team's assignment may have filled the agent since the count above.
    if (pick.capacity !== null && (await openLoad(tx, pick.id)) >= pick.capacity) throw new ChoiceRaced();
    await tx.agent.update({ where: { id: pick.id }, data: { lastAssignedAt: new Date() } });
    return pick;
  }

  /** Assigns a ticket that reached people by its team's strategy. Safe to call any number of times. */
  async assign(ticketId: string, now = new Date()): Promise<AssignResult> {
    const row = await this.deps.db.ticket.findUnique({
      where: { id: ticketId },
      select: { number: true, assigneeId: true, status: true, botActive: true, teamId: true, team: { select: { name: true } } },
    });
    if (!row) return { outcome: 'skipped', reason: 'not-found' };
    // Most calls find nothing to do (the bot still has the ticket, someone has it, its team is a
    // pool): that is answered from this read, without locking the ticket. Otherwise the
    // transaction decides again under the lock.
    const choice = this.choiceFor(row, row.team);
    if ('skip' in choice) return { outcome: 'skipped', reason: choice.skip };
    return retryingChoice(async () => {
      let result = { outcome: 'skipped', reason: 'not-waiting' } as AssignResult;
      await this.deps.tickets.update(row.number, {}, ASSIGNMENT_ACTOR, {
        chooseAssignee: async (tx, t) => {
          const locked = this.choiceFor(t, t.teamId ? await tx.team.findUnique({ where: { id: t.teamId }, select: { name: true } }) : null);
          if ('skip' in locked) {
            result = { outcome: 'skipped', reason: locked.skip };
            return undefined;
          }
          const pick = await this.pickMember(tx, { teamId: locked.teamId, category: t.category }, locked.strategy, now);
          result = pick ? { outcome: 'assigned', agentId: pick.id, handle: pick.handle } : { outcome: 'queued' };
          return pick ? { id: pick.id } : undefined;
        },
      });
      return result;
    });
  }

  /** How a ticket (in `team`) would be assigned now, or why it is not. */
  private choiceFor(
    t: Pick<LockedTicket, 'assigneeId' | 'status' | 'botActive' | 'teamId'>,
    team: { name: string } | null,
  ): { skip: 'not-waiting' | 'no-team' | 'pool' } | { teamId: string; strategy: Exclude<Strategy, 'pool'> } {
    if (!waitsForPeople(t, this.deps.botHandles())) return { skip: 'not-waiting' };
    if (!t.teamId) return { skip: 'no-team' };
    const strategy = this.strategyOf(team);
    return strategy === 'pool' ? { skip: 'pool' } : { teamId: t.teamId, strategy };
  }

  /**
   * Hands queued tickets to agents with free capacity: the best first (priority, then the
   * nearest deadline, then the longest waiting) in each of `teamIds` (default: every team).
   * Returns how many were assigned.
   */
  async flow(teamIds?: readonly string[], now = new Date()): Promise<number> {
    const { db } = this.deps;
    const teams = await db.team.findMany({ where: teamIds ? { id: { in: [...teamIds] } } : {}, select: { id: true, name: true } });
    let assigned = 0;
    for (const team of teams) {
      const strategy = this.strategyOf(team);
      if (strategy === 'pool') continue;
      const queued = await db.ticket.findMany({
        where: {
          teamId: team.id, assigneeId: null, mergedIntoId: null, status: { in: [...QUEUED_STATUSES] },
          ...(this.deps.botHandles() ? { botActive: false } : {}),
        },
        orderBy: [{ priority: 'desc' }, { nextDueAt: { sort: 'asc', nulls: 'last' } }, { openedAt: 'asc' }, { number: 'asc' }],
        take: FLOW_BATCH,
        select: { id: true },
      });
      for (const { id } of queued) {
        // Nobody in the team has room: the rest waits too.
        if (!(await availableMembers(db, team.id, null, strategy, now)).length) break;
        const result = await this.assign(id, now);
        if (result.outcome === 'assigned') assigned++;
      }
    }
    return assigned;
  }

  /** The teams an agent belongs to (their queued tickets may flow to them). */
  async teamsOf(agentId: string): Promise<string[]> {
    const rows = await this.deps.db.teamMember.findMany({ where: { agentId }, select: { teamId: true } });
    return rows.map((r) => r.teamId);
  }
}
