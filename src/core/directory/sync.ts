/**
 * Brings the Team, Agent, TeamMember and AgentAbsence rows in line with a desk configuration,
 * inside the transaction that stores its version.
 *
 * - Teams are upserted by name; a team no longer configured keeps its row and tickets but loses
 *   its members and becomes a pool (nothing is assigned to it automatically).
 * - Agents are upserted by handle. Name, skills, line, capacity and teams follow the file; email,
 *   Slack and Telegram ids only when given (the Slack desk learns ids by itself). Availability
 *   from the file is only the first value of a new agent: afterwards it is the agent's state,
 *   changed through the API. An agent removed from the configuration is kept (their tickets and
 *   messages point at them) with active = false and no teams; agents created through the API and
 *   never configured are left alone.
 * - Absences: those added to the file are created; those removed from it (compared with the
 *   previous version, and with a removed agent) are deleted; those added through the API stay.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import { DeskConfigError, type AgentConfig, type DeskConfig } from '../deskConfig.js';

export async function syncDirectory(tx: Prisma.TransactionClient, next: DeskConfig, previous: DeskConfig | null): Promise<void> {
  const teamIds = new Map<string, string>();
  for (const team of next.teams) {
    const row = await tx.team.upsert({
      where: { name: team.name },
      create: { name: team.name, line: team.line, strategy: team.strategy },
      update: { line: team.line, strategy: team.strategy },
      select: { id: true },
    });
    teamIds.set(team.name, row.id);
  }
  const gone = await tx.team.findMany({ where: { name: { notIn: next.teams.map((t) => t.name) } }, select: { id: true } });
  if (gone.length) {
    await tx.teamMember.deleteMany({ where: { teamId: { in: gone.map((t) => t.id) } } });
    await tx.team.updateMany({ where: { id: { in: gone.map((t) => t.id) } }, data: { strategy: 'pool' } });
  }

  for (const [i, agent] of next.agents.entries()) {
    const id = await upsertAgent(tx, agent, i);
    const wanted = agent.teams.map((name) => teamIds.get(name)).filter((x): x is string => !!x);
    await tx.teamMember.deleteMany({ where: { agentId: id, teamId: { notIn: wanted } } });
    if (wanted.length) await tx.teamMember.createMany({ data: wanted.map((teamId) => ({ teamId, agentId: id })), skipDuplicates: true });
    await syncAbsences(tx, id, agent, previous?.agents.find((a) => a.handle === agent.handle));
  }

  const handles = new Set(next.agents.map((a) => a.handle));
  const removed = (previous?.agents ?? []).filter((a) => !handles.has(a.handle));
  if (removed.length) {
    await tx.agent.updateMany({ where: { handle: { in: removed.map((a) => a.handle) } }, data: { active: false } });
    await tx.teamMember.deleteMany({ where: { agent: { handle: { in: removed.map((a) => a.handle) } } } });
    // Their absences from the file went with them.
    for (const a of removed) {
      for (const x of a.absences) await tx.agentAbsence.deleteMany({ where: { agent: { handle: a.handle }, from: x.from, to: x.to } });
    }
  }
}

async function upsertAgent(tx: Prisma.TransactionClient, agent: AgentConfig, index: number): Promise<string> {
  const ids = {
    ...(agent.email ? { email: agent.email } : {}),
    ...(agent.slackUserId ? { slackUserId: agent.slackUserId } : {}),
    ...(agent.telegramUserId ? { telegramUserId: agent.telegramUserId } : {}),
  };
  const fields = { name: agent.name, skills: agent.skills, line: agent.line, capacity: agent.capacity ?? null, active: true, ...ids };
  // Checked first: a unique violation would abort the transaction with a message naming no agent.
  const clash = await tx.agent.findFirst({
    where: { handle: { not: agent.handle }, OR: Object.entries(ids).map(([k, v]) => ({ [k]: v })) },
    select: { handle: true, email: true, slackUserId: true, telegramUserId: true },
  });
  if (clash && Object.keys(ids).length) {
    const field = (Object.keys(ids) as Array<keyof typeof ids>).find((k) => clash[k] === ids[k]) ?? 'email';
    throw new DeskConfigError(`agents.${index}.${field}: agent "${clash.handle}" already has ${field} "${ids[field]}"`);
  }
  const row = await tx.agent.upsert({
    where: { handle: agent.handle },
    create: { handle: agent.handle, availability: agent.availability, ...fields },
    update: fields,
    select: { id: true },
  });
  return row.id;
}

const key = (a: { from: Date; to: Date }) => `${a.from.toISOString()} ${a.to.toISOString()}`;

async function syncAbsences(tx: Prisma.TransactionClient, agentId: string, agent: AgentConfig, before: AgentConfig | undefined): Promise<void> {
  const wanted = new Set(agent.absences.map(key));
  const dropped = (before?.absences ?? []).filter((a) => !wanted.has(key(a)));
  for (const a of dropped) await tx.agentAbsence.deleteMany({ where: { agentId, from: a.from, to: a.to } });
  const existing = new Set((await tx.agentAbsence.findMany({ where: { agentId }, select: { from: true, to: true } })).map(key));
  const fresh = agent.absences.filter((a) => !existing.has(key(a)));
  if (fresh.length) await tx.agentAbsence.createMany({ data: fresh.map((a) => ({ agentId, from: a.from, to: a.to, reason: a.reason ?? null })) });
}
