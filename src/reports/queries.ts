/**
 * The SQL behind the reports. A range metric counts the tickets whose anchor instant (opened,
 * first answered, resolved, rated) lies in the range, so the range metrics are read with one
 * query per anchor: a subquery builds one row per ticket of the slice with its anchor in the range
 * (alias `r`: its instants, due times, counts, and the wall-clock and business durations of the
 * anchor), narrowed by the anchor's index for short ranges, and the outer query aggregates the
 * metric definitions of src/reports/metrics.ts over it, either as one row (the summary, whose
 * anchors' queries run side by side) or per bucket (a time series: width_bucket of the anchor
 * over the bucket starts).
 */
import type { Db } from '../db/prisma.js';
import { Prisma } from '../generated/prisma/client.js';
import type { BusinessTimePlan } from './businessTime.js';
import { sliceSql, type ResolvedFilters } from './filters.js';
import { BACKLOG_AGES, type Aggregate, type AggregateRow, type Anchor, type RangeMetric } from './metrics.js';

/** Everything a report's queries depend on. */
export interface QueryContext {
  from: Date;
  to: Date;
  now: Date;
  slice: ResolvedFilters;
  /** Business-time calendars; null when no metric asked needs business time. */
  plan: BusinessTimePlan | null;
  /** The KB bot takes tickets: the conversations it still has wait for nobody (src/app.ts `botHandles`). */
  botHandles: boolean;
}

/** A ticket the bot still has, when the bot takes tickets: not in anyone's backlog. */
const withBot = (ctx: QueryContext) => (ctx.botHandles ? Prisma.sql`t."botActive"` : Prisma.sql`FALSE`);

const OPEN_STATUSES = Prisma.sql`t."status" IN ('new', 'open', 'pending')`;

/** Epoch ms of a timestamp expression (a float8, whole ms: timestamps have ms precision). */
const epochMs = (column: Prisma.Sql) => Prisma.sql`round(date_part('epoch', ${column}) * 1000)`;
const col = (alias: string, name: string) => Prisma.raw(`${alias}."${name}"`);
const inRange = (column: Prisma.Sql, ctx: QueryContext) => Prisma.sql`(${column} >= ${ctx.from} AND ${column} < ${ctx.to})`;

/**
 * Runs one report query with JIT compilation off. Report queries scan many rows with long
 * expressions, so the planner's cost estimate passes jit_above_cost and PostgreSQL spends
 * seconds compiling (measured: 6.6 s of JIT for a 4 s query over 100,000 tickets) what runs in
 * a fraction of that interpreted. SET LOCAL keeps the setting to this transaction.
 */
async function report<T>(db: Db, query: Prisma.Sql): Promise<T> {
  const [, rows] = await db.$transaction([db.$executeRaw`SET LOCAL jit = off`, db.$queryRaw<T>(query)]);
  return rows;
}

/**
 * The per-ticket rows (alias `r`) of the tickets of the slice whose `anchor` lies in the range,
 * with every column the metric definitions read. Durations are those of the anchor (a ticket
 * first answered in the range carries its first-response durations, one resolved in the range
 * its resolution durations; the other metrics never read them). Business time is computed in
 * layers (src/reports/businessTime.ts: the instants as epoch ms and the calendar group, then
 * where each instant lies in its calendar's table, then the duration); OFFSET 0 keeps each layer
 * from being flattened into the next, so each expression is computed once per row.
 */
function ticketRows(ctx: QueryContext, anchor: Anchor): Prisma.Sql {
  const end = anchor === 'firstRespondedAt' || anchor === 'resolvedAt' ? anchor : null;
  const plan = end ? ctx.plan : null;
  // A first response counts from when people got the ticket: the customer's first message, or the bot's handoff.
  const start = end === 'firstRespondedAt' ? Prisma.sql`COALESCE(t."handedOffAt", t."openedAt")` : col('t', 'openedAt');
  const instants = end
    ? Prisma.sql`, ${epochMs(col('t', end))} AS "endMs", ${epochMs(start)} AS "startMs"${plan ? Prisma.sql`, ${plan.group(col('t', 'slaPolicy'))} AS "calendar"` : Prisma.empty}`
    : Prisma.empty;
  // A ticket an agent started by writing first (origin agent) has no first response to time: it
  // is left out where first responses are counted, a filter on the rows the anchor's range already
  // reads (no join, no extra pass).
  const customerStarted = anchor === 'firstRespondedAt' ? Prisma.sql` AND t."origin" = 'customer'` : Prisma.empty;
  const rows = Prisma.sql`SELECT t."id", t."status", t."openedAt", t."firstRespondedAt", t."resolvedAt", t."csatRatedAt", t."csatScore",
      t."firstResponseDueAt", t."resolutionDueAt", t."humanMessages", t."deflectedTurns", t."handoffTurns"${instants}
    FROM "Ticket" t
    WHERE ${sliceSql(ctx.slice)} AND ${inRange(col('t', anchor), ctx)}${customerStarted}
    OFFSET 0`;
  if (!end) return rows;
  const [wallName, businessName] = (end === 'firstRespondedAt' ? ['frWall', 'frBusiness'] : ['resWall', 'resBusiness']).map((n) => Prisma.raw(`"${n}"`)) as [Prisma.Sql, Prisma.Sql];
  const wall = Prisma.sql`GREATEST(y."endMs" - y."startMs", 0)`;
  if (!plan) return Prisma.sql`SELECT y.*, ${wall} AS ${wallName}, NULL::float8 AS ${businessName} FROM (${rows}) y`;
  const located = Prisma.sql`SELECT x.*, ${plan.locate(col('x', 'calendar'), col('x', 'startMs'))} AS "startIdx", ${plan.locate(col('x', 'calendar'), col('x', 'endMs'))} AS "endIdx"
    FROM (${rows}) x ${plan.fromItem()} OFFSET 0`;
  const business = plan.betweenLocated(col('y', 'calendar'), col('y', 'startMs'), col('y', 'endMs'), col('y', 'startIdx'), col('y', 'endIdx'));
  return Prisma.sql`SELECT y.*, ${wall} AS ${wallName}, ${business} AS ${businessName} FROM (${located}) y ${plan.fromItem()} OFFSET 0`;
}

/** One aggregate as SQL. */
function aggregateSql(a: Aggregate, alias: string): Prisma.Sql {
  const filter = a.where ? Prisma.sql` FILTER (WHERE ${a.where})` : Prisma.empty;
  const value = a.sum ? Prisma.sql`(sum(${a.sum})${filter})::float8` : Prisma.sql`(count(*)${filter})::float8`;
  return Prisma.sql`${value} AS ${Prisma.raw(`"${alias}"`)}`;
}

/** Numbers of a result row, by column (NULL sums are 0). */
function numbers(row: Record<string, unknown>): AggregateRow {
  const out: AggregateRow = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === null || v === undefined ? 0 : Number(v);
  return out;
}

/**
 * The aggregates of metrics sharing one anchor, over the tickets whose anchor is in the range,
 * per value of `group` (an expression of `r`; a single group 0 when null): a map from the
 * group's value to its row of `metric.aggregate` columns.
 */
async function anchorAggregates(db: Db, ctx: QueryContext, anchor: Anchor, metrics: Array<[string, RangeMetric]>, group: Prisma.Sql | null): Promise<Map<number, AggregateRow>> {
  const columns = metrics.flatMap(([name, m]) => m.aggregates.map((a) => aggregateSql(a, `${name}.${a.name}`)));
  const rows = await report<Array<Record<string, unknown>>>(db, Prisma.sql`
    SELECT ${group ?? Prisma.sql`0`} AS "group", ${Prisma.join(columns)}
    FROM (${ticketRows(ctx, anchor)}) r ${group ? Prisma.sql`GROUP BY 1` : Prisma.empty}`);
  return new Map(rows.map((row) => {
    const { group: g, ...values } = numbers(row);
    return [g ?? 0, values];
  }));
}

/** Splits the flat `metric.aggregate` columns of a row into one row per metric (missing values are 0). */
function perMetric<N extends string>(entries: Array<[N, RangeMetric]>, flat: AggregateRow): Record<N, AggregateRow> {
  const out = {} as Record<N, AggregateRow>;
  for (const [name, m] of entries) out[name] = Object.fromEntries(m.aggregates.map((a) => [a.name, flat[`${name}.${a.name}`] ?? 0]));
  return out;
}

/**
 * The summary's range metrics: one query per anchor, run side by side, each reading only the
 * tickets whose anchor lies in the range and computing only the durations its metrics read.
 */
export async function rangeSummary<N extends string>(db: Db, ctx: QueryContext, metrics: Record<N, RangeMetric>): Promise<Record<N, AggregateRow>> {
  const entries = Object.entries(metrics) as Array<[N, RangeMetric]>;
  const anchors = [...new Set(entries.map(([, m]) => m.anchor))];
  const results = await Promise.all(anchors.map((a) => anchorAggregates(db, ctx, a, entries.filter(([, m]) => m.anchor === a), null)));
  return perMetric(entries, Object.assign({}, ...results.map((groups) => groups.get(0) ?? {})) as AggregateRow);
}

/** A range metric per bucket: element i aggregates the tickets whose anchor is in [starts[i], starts[i+1]) and in the range. */
export async function rangeSeries(db: Db, ctx: QueryContext, metric: RangeMetric, starts: number[]): Promise<AggregateRow[]> {
  const groups = await anchorAggregates(db, ctx, metric.anchor, [['m', metric]], Prisma.sql`width_bucket(${epochMs(col('r', metric.anchor))}, ${starts}::float8[])`);
  // width_bucket is 1-based; every anchor in the range is at or after the first start.
  return starts.map((_, i) => perMetric([['m', metric]], groups.get(i + 1) ?? {}).m);
}

/**
 * The span of every ticket's durations: the earliest opening and the latest first response or
 * resolution. Business-time tables must cover it. Nulls without tickets.
 */
export async function durationBounds(db: Db): Promise<{ start: Date | null; end: Date | null }> {
  // Three separate aggregates so that, with indexes on the columns, each is one index probe.
  const rows = await report<Array<{ start: Date | null; fr: Date | null; res: Date | null }>>(db, Prisma.sql`
    SELECT (SELECT min("openedAt") FROM "Ticket") AS "start", (SELECT max("firstRespondedAt") FROM "Ticket") AS "fr", (SELECT max("resolvedAt") FROM "Ticket") AS "res"`);
  const row = rows[0];
  const ends = [row?.fr, row?.res].filter((d): d is Date => d instanceof Date);
  return { start: row?.start ?? null, end: ends.length ? new Date(Math.max(...ends.map((d) => d.getTime()))) : null };
}

/**
 * Overdue tickets now, open tickets now and their ages, and the conversations the bot still has
 * (counted apart: a customer who read the bot's answer and left waits for nobody).
 */
export async function presentState(db: Db, ctx: QueryContext): Promise<{ overdue: number; open: number; withBot: number; ages: Record<string, number> }> {
  const now = ctx.now.getTime();
  const ages = BACKLOG_AGES.map(({ label, from, to }) => {
    // age = now - openedAt in [from, to): openedAt in (now - to, now - from]; the first bucket also takes openings after now.
    const upper = from === 0 ? Prisma.empty : Prisma.sql` AND t."openedAt" <= ${new Date(now - from)}`;
    const lower = to === null ? Prisma.empty : Prisma.sql` AND t."openedAt" > ${new Date(now - to)}`;
    return Prisma.sql`(count(*) FILTER (WHERE NOT ${withBot(ctx)}${upper}${lower}))::int AS ${Prisma.raw(`"${label}"`)}`;
  });
  const rows = await report<Array<Record<string, number>>>(db, Prisma.sql`
    SELECT (count(*) FILTER (WHERE NOT ${withBot(ctx)}))::int AS "open", (count(*) FILTER (WHERE ${withBot(ctx)}))::int AS "withBot",
      (count(*) FILTER (WHERE t."overdue" OR (t."status" IN ('new', 'open') AND t."nextDueAt" < ${ctx.now})))::int AS "overdue",
      ${Prisma.join(ages)}
    FROM "Ticket" t
    WHERE ${sliceSql(ctx.slice)} AND ${OPEN_STATUSES}`);
  const row = rows[0] ?? {};
  return { overdue: row.overdue ?? 0, open: row.open ?? 0, withBot: row.withBot ?? 0, ages: Object.fromEntries(BACKLOG_AGES.map(({ label }) => [label, row[label] ?? 0])) };
}

/** Open tickets (new, open, pending) per assignee now, every active agent of the slice listed; and the unassigned ones (not the bot's). */
export async function agentLoad(db: Db, ctx: QueryContext): Promise<{ agents: Array<{ agent: string; name: string; open: number }>; unassigned: number }> {
  const { teamId, agentId } = ctx.slice;
  const [load, roster] = await Promise.all([
    report<Array<{ handle: string | null; name: string | null; open: number }>>(db, Prisma.sql`
      SELECT a."handle", a."name", count(*)::int AS "open"
      FROM "Ticket" t LEFT JOIN "Agent" a ON a."id" = t."assigneeId"
      WHERE ${sliceSql(ctx.slice)} AND ${OPEN_STATUSES} AND NOT ${withBot(ctx)}
      GROUP BY a."handle", a."name"`),
    agentId === null
      ? Promise.resolve([])
      : db.agent.findMany({
          where: {
            active: true,
            ...(agentId !== undefined ? { id: agentId } : {}),
            ...(teamId ? { teams: { some: { teamId } } } : {}),
          },
          select: { handle: true, name: true },
        }),
  ]);
  const agents = new Map<string, { agent: string; name: string; open: number }>();
  for (const a of roster) agents.set(a.handle, { agent: a.handle, name: a.name, open: 0 });
  let unassigned = 0;
  for (const row of load) {
    if (row.handle === null) unassigned += row.open;
    else agents.set(row.handle, { agent: row.handle, name: row.name ?? row.handle, open: row.open });
  }
  const sorted = [...agents.values()].sort((a, b) => b.open - a.open || a.agent.localeCompare(b.agent));
  return { agents: sorted, unassigned };
}

/**
 * Tickets opened in the range per local hour of the day (0..23) in `tz`. date_part, not extract:
 * extract returns numeric, and over 100,000 tickets that conversion cost three times the rest of
 * the query (measured). A query of its own, beside the summary's others: grouping the opening
 * metrics by hour instead cost more than this scan.
 */
export async function busiestHours(db: Db, ctx: QueryContext, tz: string): Promise<Array<{ hour: number; tickets: number }>> {
  const rows = await report<Array<{ hour: number; tickets: number }>>(db, Prisma.sql`
    SELECT date_part('hour', (t."openedAt" AT TIME ZONE 'UTC') AT TIME ZONE ${tz})::int AS "hour", count(*)::int AS "tickets"
    FROM "Ticket" t
    WHERE ${sliceSql(ctx.slice)} AND ${inRange(col('t', 'openedAt'), ctx)}
    GROUP BY 1`);
  const byHour = new Map(rows.map((r) => [r.hour, r.tickets]));
  return Array.from({ length: 24 }, (_, hour) => ({ hour, tickets: byHour.get(hour) ?? 0 }));
}

/**
 * Open tickets at each instant of `ends` (ascending): opened before it and not resolved before it.
 * A ticket counts from the first end after its opening up to the last end at or before its
 * resolution, so one pass of (opening bucket, resolution bucket) pairs gives every point.
 */
export async function backlogSeries(db: Db, ctx: QueryContext, ends: number[]): Promise<number[]> {
  const last = ends[ends.length - 1];
  if (last === undefined) return [];
  const opened = epochMs(col('t', 'openedAt'));
  // Never resolved before it was opened (clock skew between platforms): then it was simply never open.
  const resolved = Prisma.sql`GREATEST(${epochMs(col('t', 'resolvedAt'))}, ${opened})`;
  const rows = await report<Array<{ o: number; r: number | null; n: number }>>(db, Prisma.sql`
    SELECT width_bucket(${opened}, ${ends}::float8[]) AS "o",
           CASE WHEN t."resolvedAt" IS NULL THEN NULL ELSE width_bucket(${resolved}, ${ends}::float8[]) END AS "r",
           count(*)::int AS "n"
    FROM "Ticket" t
    WHERE ${sliceSql(ctx.slice)} AND t."openedAt" < ${new Date(last)}
    GROUP BY 1, 2`);
  // width_bucket(x) = how many ends are ≤ x, so a ticket is open at ends o+1 … r (1-based), or o+1 … last when unresolved.
  const diff = new Array<number>(ends.length + 2).fill(0);
  for (const { o, r, n } of rows) {
    diff[o + 1] = (diff[o + 1] ?? 0) + n;
    if (r !== null) diff[r + 1] = (diff[r + 1] ?? 0) - n;
  }
  const out: number[] = [];
  let running = 0;
  for (let k = 1; k <= ends.length; k++) {
    running += diff[k] ?? 0;
    out.push(running);
  }
  return out;
}
