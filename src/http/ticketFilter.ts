/**
 * The ticket filters of the REST API, in their two spellings: a query string (GET /tickets,
 * comma-separated lists) and JSON (saved views). Both parse to a TicketFilter.
 */
import { z } from 'zod';
import { Channel, Priority, TicketOrigin, TicketStatus } from '../generated/prisma/enums.js';
import { TICKET_SORTS } from '../core/ticketQueries.js';
import { text } from './schemas.js';

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item))
    .optional();

const flag = z.enum(['true', 'false']).transform((v) => v === 'true').optional();

/** GET /tickets?status=new,open&priority=high&overdue=true&tags=vip,b2b&sort=deadline … */
export const ticketListQuery = z.object({
  status: csv(z.enum(TicketStatus)),
  priority: csv(z.enum(Priority)),
  channel: csv(z.enum(Channel)),
  assignee: text().optional(),
  team: text().optional(),
  tag: text().optional(),
  tags: csv(text().min(1)),
  overdue: flag,
  category: text().optional(),
  /** customer: tickets the customer started; agent: those an agent started by writing first. */
  origin: z.enum(TicketOrigin).optional(),
  q: text().optional(),
  sort: z.enum(TICKET_SORTS).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

/** A saved view's filters: what an inbox tab shows (status, team, assignee, tags, priority, overdue, channel …). */
export const viewFilters = z
  .object({
    status: z.array(z.enum(TicketStatus)).optional(),
    priority: z.array(z.enum(Priority)).optional(),
    channel: z.array(z.enum(Channel)).optional(),
    /** An agent handle, or "none" for unassigned tickets. */
    assignee: text().min(1).optional(),
    team: text().min(1).optional(),
    tags: z.array(text().min(1).max(64)).max(20).optional(),
    overdue: z.boolean().optional(),
    category: text().min(1).optional(),
    origin: z.enum(TicketOrigin).optional(),
    q: text().min(1).optional(),
  })
  .strict();

export type ViewFilters = z.infer<typeof viewFilters>;
