/**
 * The agents as the desk sees them now: teams, skills, line, capacity, availability, absences and
 * load. Availability is agent state (online, away, offline), changed through the API or a desk;
 * the configuration only gives a new agent its first value.
 */
import type { Db } from '../../db/prisma.js';
import type { AgentAvailability } from '../../generated/prisma/enums.js';
import { NotFoundError, ValidationError } from '../errors.js';

export interface AgentView {
  id: string;
  handle: string;
  name: string;
  email: string | null;
  /** False once removed from the desk configuration (kept for history). */
  active: boolean;
  availability: AgentAvailability;
  /** Inside one of their absence periods right now (never assigned anything then). */
  absentNow: boolean;
  teams: string[];
  skills: string[];
  line: number;
  capacity: number | null;
  /** Open tickets (new, open, pending) assigned to them. */
  openTickets: number;
  lastAssignedAt: Date | null;
  absences: Array<{ id: string; from: Date; to: Date; reason: string | null }>;
}

/** Every agent, active first, by handle; absences that have not ended yet. */
export async function listAgents(db: Db, now = new Date()): Promise<AgentView[]> {
  const agents = await db.agent.findMany({
    orderBy: [{ active: 'desc' }, { handle: 'asc' }],
    include: {
      teams: { select: { team: { select: { name: true } } } },
      absences: { where: { to: { gt: now } }, orderBy: { from: 'asc' }, select: { id: true, from: true, to: true, reason: true } },
    },
  });
  const loads = await db.ticket.groupBy({ by: ['assigneeId'], where: { assigneeId: { not: null }, status: { in: ['new', 'open', 'pending'] } }, _count: { _all: true } });
  const load = new Map(loads.map((l) => [l.assigneeId, l._count._all]));
  return agents.map((a) => ({
    id: a.id,
    handle: a.handle,
    name: a.name,
    email: a.email,
    active: a.active,
    availability: a.availability,
    absentNow: a.absences.some((x) => x.from <= now && x.to > now),
    teams: a.teams.map((m) => m.team.name).sort(),
    skills: a.skills,
    line: a.line,
    capacity: a.capacity,
    openTickets: load.get(a.id) ?? 0,
    lastAssignedAt: a.lastAssignedAt,
    absences: a.absences,
  }));
}

export async function getAgentView(db: Db, handle: string, now = new Date()): Promise<AgentView> {
  const found = (await listAgents(db, now)).find((a) => a.handle === handle.replace(/^@/, ''));
  if (!found) throw new NotFoundError(`unknown agent "${handle}"`);
  return found;
}

async function agentId(db: Db, handle: string): Promise<string> {
  const agent = await db.agent.findUnique({ where: { handle: handle.replace(/^@/, '') }, select: { id: true } });
  if (!agent) throw new NotFoundError(`unknown agent "${handle}"`);
  return agent.id;
}

/** Sets an agent's availability; returns their id and whether it changed. */
export async function setAvailability(db: Db, handle: string, availability: AgentAvailability): Promise<{ id: string; changed: boolean }> {
  const id = await agentId(db, handle);
  const { count } = await db.agent.updateMany({ where: { id, availability: { not: availability } }, data: { availability } });
  return { id, changed: count > 0 };
}

/** Records an absence period (vacation, sick leave). */
export async function addAbsence(db: Db, handle: string, absence: { from: Date; to: Date; reason?: string | null }): Promise<{ id: string; agentId: string }> {
  if (!(absence.to > absence.from)) throw new ValidationError('an absence must end after it starts', 'to');
  const id = await agentId(db, handle);
  const row = await db.agentAbsence.create({ data: { agentId: id, from: absence.from, to: absence.to, reason: absence.reason ?? null }, select: { id: true } });
  return { id: row.id, agentId: id };
}

/** Deletes an absence period of the agent; returns the agent's id. */
export async function removeAbsence(db: Db, handle: string, absenceId: string): Promise<string> {
  const id = await agentId(db, handle);
  const { count } = await db.agentAbsence.deleteMany({ where: { id: absenceId, agentId: id } });
  if (!count) throw new NotFoundError(`@${handle.replace(/^@/, '')} has no absence "${absenceId}"`);
  return id;
}
