/** Reading tickets: the list with filters and sorting, and one ticket with its history. */
import type { Db } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Channel, Priority, TicketOrigin, TicketStatus } from '../generated/prisma/enums.js';
import { normalizeTags } from './tags.js';

/**
 * Ticket list orders. `priority` goes from low to urgent (`-priority`: the most urgent first),
 * ties by the nearest deadline; `deadline` puts the nearest unmet due time first (tickets with
 * none last); `age` the longest-waiting first (by when the customer wrote). A leading "-" reverses.
 */
export const TICKET_SORTS = [
  'createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'priority', '-priority', 'number', '-number', 'deadline', '-deadline', 'age', '-age',
] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

export interface TicketFilter {
  status?: TicketStatus[];
  priority?: Priority[];
  channel?: Channel[];
  /** An agent handle, or "none" for unassigned tickets. */
  assignee?: string;
  team?: string;
  tag?: string;
  /** Every one of these tags. */
  tags?: string[];
  /** Only tickets marked overdue (true) or not (false). */
  overdue?: boolean;
  category?: string;
  /** Who started the ticket: the customer, or an agent writing first. */
  origin?: TicketOrigin;
  /** Free text: the subject, or the contact's name, email or phone. */
  q?: string;
  sort?: TicketSort;
  limit?: number;
  offset?: number;
}

export const ticketInclude = {
  contact: { select: { id: true, name: true, email: true, phone: true, language: true } },
  assignee: { select: { handle: true, name: true } },
  team: { select: { name: true } },
  previousTicket: { select: { number: true } },
} satisfies Prisma.TicketInclude;

export type TicketRow = Prisma.TicketGetPayload<{ include: typeof ticketInclude }>;

export async function listTickets(db: Db, f: TicketFilter): Promise<{ tickets: TicketRow[]; total: number }> {
  const q = f.q ? likeLiteral(f.q) : undefined;
  const where: Prisma.TicketWhereInput = {
    ...(f.status?.length ? { status: { in: f.status } } : {}),
    ...(f.priority?.length ? { priority: { in: f.priority } } : {}),
    ...(f.channel?.length ? { channel: { in: f.channel } } : {}),
    ...(f.assignee === 'none' ? { assigneeId: null } : f.assignee ? { assignee: { handle: f.assignee.replace(/^@/, '') } } : {}),
    ...(f.team ? { team: { name: f.team } } : {}),
    ...(f.tag || f.tags?.length ? { tags: { hasEvery: normalizeTags([...(f.tag ? [f.tag] : []), ...(f.tags ?? [])]) } } : {}),
    ...(f.overdue !== undefined ? { overdue: f.overdue } : {}),
    ...(f.origin ? { origin: f.origin } : {}),
    ...(f.category ? { OR: [{ category: f.category }, { category: { startsWith: `${likeLiteral(f.category)}/` } }] } : {}),
    ...(q
      ? {
          AND: [
            {
              OR: [
                { subject: { contains: q, mode: 'insensitive' } },
                { contact: { name: { contains: q, mode: 'insensitive' } } },
                { contact: { email: { contains: q, mode: 'insensitive' } } },
                { contact: { phone: { contains: q } } },
              ],
            },
          ],
        }
      : {}),
  };
  const orderBy = ticketOrder(f.sort ?? '-createdAt');
  const [tickets, total] = await Promise.all([
    db.ticket.findMany({ where, orderBy, include: ticketInclude, take: f.limit ?? 50, skip: f.offset ?? 0 }),
    db.ticket.count({ where }),
  ]);
  return { tickets, total };
}

/** The ORDER BY of a sort; ties break by number, so paging is stable. */
function ticketOrder(sort: TicketSort): Prisma.TicketOrderByWithRelationInput[] {
  const reversed = sort.startsWith('-');
  const key = sort.replace(/^-/, '');
  const dir: Prisma.SortOrder = reversed ? 'desc' : 'asc';
  switch (key) {
    case 'priority':
      return [{ priority: dir }, { nextDueAt: { sort: 'asc', nulls: 'last' } }, { number: 'asc' }];
    case 'deadline':
      return [{ nextDueAt: { sort: dir, nulls: 'last' } }, { priority: 'desc' }, { number: 'asc' }];
    case 'age':
      return [{ openedAt: dir }, { number: dir }];
    default:
      return [{ [key]: dir }, ...(key === 'number' ? [] : [{ number: dir }])];
  }
}

/**
 * Prisma hands `contains`/`startsWith` to PostgreSQL's LIKE without escaping its wildcards:
 * escape them, so a search for "50%" or "a_b" matches that text and not everything.
 */
function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function getTicket(db: Db, number: number) {
  const ticket = await db.ticket.findUnique({
    where: { number },
    include: {
      ...ticketInclude,
      messages: { orderBy: { seq: 'asc' }, include: { agent: { select: { handle: true } }, edits: { orderBy: { editedAt: 'asc' }, select: { previousText: true, editedAt: true } } } },
      events: { orderBy: { seq: 'asc' } },
    },
  });
  return ticket && { ...ticket, names: await eventNames(db, ticket.events) };
}

/** Audit events whose `from`/`to` are ids, and what they are ids of. */
const ID_EVENTS: Record<string, 'agent' | 'team'> = { assigneeId_changed: 'agent', teamId_changed: 'team' };

/**
 * Display names of the agents and teams the audit trail names by id ("Anna (@anna)", "support"),
 * so a reader sees who and which team, not a UUID. Ids of agents or teams since removed are left out.
 */
async function eventNames(db: Db, events: readonly { type: string; data: unknown }[]): Promise<Record<string, string>> {
  const ids = { agent: new Set<string>(), team: new Set<string>() };
  for (const e of events) {
    const kind = ID_EVENTS[e.type];
    if (!kind || !e.data || typeof e.data !== 'object') continue;
    const { from, to } = e.data as { from?: unknown; to?: unknown };
    for (const id of [from, to]) if (typeof id === 'string') ids[kind].add(id);
  }
  const [agents, teams] = await Promise.all([
    ids.agent.size ? db.agent.findMany({ where: { id: { in: [...ids.agent] } }, select: { id: true, handle: true, name: true } }) : [],
    ids.team.size ? db.team.findMany({ where: { id: { in: [...ids.team] } }, select: { id: true, name: true } }) : [],
  ]);
  return Object.fromEntries([...agents.map((a) => [a.id, `${a.name} (@${a.handle})`]), ...teams.map((t) => [t.id, t.name])]);
}
export type TicketDetail = NonNullable<Awaited<ReturnType<typeof getTicket>>>;
