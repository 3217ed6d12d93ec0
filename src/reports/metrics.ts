/**
 * What each report metric counts. One definition per metric, used by both the summary and the
 * time series (which only adds a GROUP BY on buckets), so a series always adds up to the summary.
 *
 * Every metric looks at the tickets of the report's slice (src/reports/filters.ts: channel, team,
 * assignee, category as the tickets are now; tickets merged into another never count). A range
 * is [from, to). Each range metric is anchored on one instant of the ticket, and counts the
 * tickets whose anchor lies in the range (a time series puts each in the bucket of its anchor):
 *
 * - **volume** (anchor: `openedAt`, when the customer first wrote, or the agent who wrote first):
 *   tickets opened, agent-initiated ones included.
 * - **afrt**, average first response time (anchor: `firstRespondedAt`, an agent's first public
 *   reply): over tickets the customer started (`origin` customer: a ticket an agent started by
 *   writing first has no first response to time) first answered in the range, the mean of
 *   `firstRespondedAt` minus when people got the ticket (`handedOffAt`, the bot's handoff, for a
 *   ticket the bot had first: the time with the bot is not waiting for a person; else `openedAt`),
 *   in wall-clock ms (`avgMs`) and in business ms (`avgBusinessMs`): the open hours of the
 *   calendar of the ticket's SLA policy between the two (src/reports/businessTime.ts; a ticket
 *   without a policy, or whose policy is gone from the configuration, counts wall-clock time).
 *   Pending periods are not subtracted: this is how long the customer waited.
 * - **art**, average resolution time (anchor: `resolvedAt`): over tickets resolved in the range
 *   (including those the bot resolved, and closed ones, whose close resolved them), the mean of
 *   `resolvedAt - openedAt`, wall-clock and business as for afrt. A reopened ticket has no
 *   `resolvedAt` until it is resolved again, and then counts from its original `openedAt`.
 * - **csat** (anchor: `csatRatedAt`): ratings 1..5 given in the range: their count, mean and
 *   distribution.
 * - **frtr**, first response target missed (anchor: `openedAt`): of the tickets opened in the
 *   range that have a first-response due time (agent-initiated tickets never have one:
 *   src/core/outreach.ts), each is
 *     `met`: answered at or before the due time;
 *     `missed`: answered after it, or never answered and either resolved/closed after it or still
 *       new/open now past it;
 *     `notNeeded`: resolved/closed without an answer before the due time (a ticket the bot
 *       solved on its own has no due time at all: people's clock starts at the handoff);
 *     `waiting`: not answered, not past due yet, or pending (the clock stands still).
 *   `rate` = missed / (met + missed): the share of decided targets that were missed (null when
 *   none is decided). Like the ticket JSON's `sla` flags (src/core/sla/policy.ts slaStatus).
 * - **artr**, resolution target missed (anchor: `openedAt`): of the tickets opened in the range
 *   with a resolution due time: `met` (resolved at or before it), `missed` (resolved after it, or
 *   unresolved, not pending and now past it), `waiting` (the rest); `rate` as for frtr.
 * - **resolvedLate**, the range part of NTB (anchor: `resolvedAt`): of the tickets resolved in
 *   the range, those resolved after their resolution due time (`late`), and all of them (`resolved`).
 * - **deflection** (anchor: `openedAt`): of the tickets opened in the range, those the knowledge-base
 *   bot solved with no person: resolved or closed now, with a `BotTurn` of action `deflected`, and
 *   without any message by an agent (a reply or an internal note). `rate` = deflected / tickets.
 * - **handoff** (anchor: `openedAt`): of the tickets opened in the range, those the bot handed to
 *   people (a `BotTurn` of action `handoff`). `rate` = handedOff / tickets.
 *   Both read the per-ticket counts of those turns and messages that PostgreSQL keeps on the
 *   ticket (src/reports/counts.ts), rather than searching a million messages per report.
 *
 * Metrics of the present moment (`now` is when the report runs; not time series):
 * - **overdueNow**, the current part of NTB: tickets not resolved or closed that are marked
 *   overdue (a due time was missed; the timers set the mark) or, new or open, are past their next
 *   due time (`nextDueAt`) and not marked yet.
 * - **agentLoad**: tickets new, open or pending now, per assignee, with every active agent of the
 *   slice (zero included), and the unassigned ones.
 * - **backlogAge**: tickets new, open or pending now, by how long ago they were opened: [0, 1h),
 *   [1h, 4h), [4h, 24h), [1d, 3d), [3d, 7d), 7d and more.
 *   Both leave out, when the KB bot takes tickets, the conversations it still has (`botActive`):
 *   they wait for nobody (a customer who read the bot's answer and left); `backlogAge.withBot`
 *   counts them.
 *
 * **busiestHours** (anchor: `openedAt`): tickets opened in the range per hour of the day (0..23)
 * in the report's time zone.
 *
 * **backlog** (time series only): at the end of each bucket (or at `to`, for the last), the tickets
 * opened before it and not resolved before it, by the tickets' current `resolvedAt`.
 */
import { Prisma } from '../generated/prisma/client.js';

/** The instant a range metric is counted by. */
export type Anchor = 'openedAt' | 'firstRespondedAt' | 'resolvedAt' | 'csatRatedAt';

/** One aggregate of a metric: a count of rows (or a sum of `sum`) where `where` holds. */
export interface Aggregate {
  name: string;
  sum?: Prisma.Sql;
  where?: Prisma.Sql;
}

/** Values a query returned for a metric's aggregates. */
export type AggregateRow = Record<string, number>;

/** A metric counted over the tickets whose anchor lies in the range. */
export interface RangeMetric<T = unknown> {
  anchor: Anchor;
  aggregates: Aggregate[];
  /** The metric's JSON from its aggregates (the same for the summary and for each bucket). */
  shape(row: AggregateRow): T;
}

/** What the definitions need at query time. */
export interface MetricContext {
  /** The report's "now". */
  now: Date;
}

/** Columns of the per-ticket row the aggregates read (alias `r`, built in src/reports/queries.ts). */
const r = (column: string) => Prisma.raw(`r."${column}"`);

const DONE = Prisma.sql`${r('status')} IN ('resolved', 'closed')`;
const LIVE = Prisma.sql`${r('status')} IN ('new', 'open')`;

/** A mean in whole ms, or null over nothing. */
export const mean = (sum: number, n: number): number | null => (n > 0 ? Math.round(sum / n) : null);
/** A share rounded to 4 decimals, or null over nothing. */
export const share = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

/** First-response classes (see frtr above). */
function firstResponseClasses(now: Date) {
  const answered = Prisma.sql`${r('firstRespondedAt')} IS NOT NULL`;
  const unanswered = Prisma.sql`${r('firstRespondedAt')} IS NULL`;
  const due = r('firstResponseDueAt');
  return {
    met: Prisma.sql`${answered} AND ${r('firstRespondedAt')} <= ${due}`,
    missed: Prisma.sql`((${answered} AND ${r('firstRespondedAt')} > ${due}) OR (${unanswered} AND ((${DONE} AND ${r('resolvedAt')} > ${due}) OR (${LIVE} AND ${due} < ${now}))))`,
    notNeeded: Prisma.sql`${unanswered} AND ${DONE} AND (${r('resolvedAt')} IS NULL OR ${r('resolvedAt')} <= ${due})`,
    waiting: Prisma.sql`${unanswered} AND (${r('status')} = 'pending' OR (${LIVE} AND ${due} >= ${now}))`,
  };
}

/** Resolution classes (see artr above). */
function resolutionClasses(now: Date) {
  const due = r('resolutionDueAt');
  const missed = Prisma.sql`((${r('resolvedAt')} IS NOT NULL AND ${r('resolvedAt')} > ${due}) OR (${r('resolvedAt')} IS NULL AND ${LIVE} AND ${due} < ${now}))`;
  return {
    met: Prisma.sql`${r('resolvedAt')} IS NOT NULL AND ${r('resolvedAt')} <= ${due}`,
    missed,
    waiting: Prisma.sql`${r('resolvedAt')} IS NULL AND NOT ${missed}`,
  };
}

/** The range metrics, by the name the API uses. */
export function rangeMetrics(ctx: MetricContext) {
  const fr = firstResponseClasses(ctx.now);
  const res = resolutionClasses(ctx.now);
  const hasFrDue = Prisma.sql`${r('firstResponseDueAt')} IS NOT NULL`;
  const hasResDue = Prisma.sql`${r('resolutionDueAt')} IS NOT NULL`;
  const rated = Prisma.sql`${r('csatScore')} BETWEEN 1 AND 5`;
  const duration = (row: AggregateRow) => ({
    tickets: row.tickets ?? 0,
    avgMs: mean(row.wallSum ?? 0, row.tickets ?? 0),
    avgBusinessMs: mean(row.businessSum ?? 0, row.tickets ?? 0),
  });
  return {
    volume: {
      anchor: 'openedAt',
      aggregates: [{ name: 'tickets' }],
      shape: (row) => ({ tickets: row.tickets ?? 0 }),
    },
    afrt: {
      anchor: 'firstRespondedAt',
      aggregates: [{ name: 'tickets' }, { name: 'wallSum', sum: r('frWall') }, { name: 'businessSum', sum: r('frBusiness') }],
      shape: duration,
    },
    art: {
      anchor: 'resolvedAt',
      aggregates: [{ name: 'tickets' }, { name: 'wallSum', sum: r('resWall') }, { name: 'businessSum', sum: r('resBusiness') }],
      shape: duration,
    },
    csat: {
      anchor: 'csatRatedAt',
      aggregates: [
        { name: 'ratings', where: rated },
        { name: 'scoreSum', sum: r('csatScore'), where: rated },
        ...[1, 2, 3, 4, 5].map((score) => ({ name: `s${score}`, where: Prisma.sql`${r('csatScore')} = ${score}` })),
      ],
      shape: (row) => ({
        ratings: row.ratings ?? 0,
        average: (row.ratings ?? 0) > 0 ? Math.round(((row.scoreSum ?? 0) / (row.ratings ?? 1)) * 100) / 100 : null,
        distribution: Object.fromEntries([1, 2, 3, 4, 5].map((s) => [String(s), row[`s${s}`] ?? 0])) as Record<'1' | '2' | '3' | '4' | '5', number>,
      }),
    },
    frtr: {
      anchor: 'openedAt',
      aggregates: [
        { name: 'tickets', where: hasFrDue },
        { name: 'met', where: Prisma.sql`${hasFrDue} AND ${fr.met}` },
        { name: 'missed', where: Prisma.sql`${hasFrDue} AND ${fr.missed}` },
        { name: 'notNeeded', where: Prisma.sql`${hasFrDue} AND ${fr.notNeeded}` },
        { name: 'waiting', where: Prisma.sql`${hasFrDue} AND ${fr.waiting}` },
      ],
      shape: (row) => ({
        tickets: row.tickets ?? 0,
        met: row.met ?? 0,
        missed: row.missed ?? 0,
        notNeeded: row.notNeeded ?? 0,
        waiting: row.waiting ?? 0,
        rate: share(row.missed ?? 0, (row.met ?? 0) + (row.missed ?? 0)),
      }),
    },
    artr: {
      anchor: 'openedAt',
      aggregates: [
        { name: 'tickets', where: hasResDue },
        { name: 'met', where: Prisma.sql`${hasResDue} AND ${res.met}` },
        { name: 'missed', where: Prisma.sql`${hasResDue} AND ${res.missed}` },
        { name: 'waiting', where: Prisma.sql`${hasResDue} AND ${res.waiting}` },
      ],
      shape: (row) => ({
        tickets: row.tickets ?? 0,
        met: row.met ?? 0,
        missed: row.missed ?? 0,
        waiting: row.waiting ?? 0,
        rate: share(row.missed ?? 0, (row.met ?? 0) + (row.missed ?? 0)),
      }),
    },
    resolvedLate: {
      anchor: 'resolvedAt',
      aggregates: [{ name: 'resolved' }, { name: 'late', where: Prisma.sql`${hasResDue} AND ${r('resolvedAt')} > ${r('resolutionDueAt')}` }],
      shape: (row) => ({ resolved: row.resolved ?? 0, late: row.late ?? 0 }),
    },
    deflection: {
      anchor: 'openedAt',
      aggregates: [
        { name: 'tickets' },
        {
          name: 'deflected',
          // The ticket's counts of deflected turns and of messages by a person (src/reports/counts.ts).
          where: Prisma.sql`${DONE} AND ${r('deflectedTurns')} > 0 AND ${r('humanMessages')} = 0`,
        },
      ],
      shape: (row) => ({ tickets: row.tickets ?? 0, deflected: row.deflected ?? 0, rate: share(row.deflected ?? 0, row.tickets ?? 0) }),
    },
    handoff: {
      anchor: 'openedAt',
      aggregates: [{ name: 'tickets' }, { name: 'handedOff', where: Prisma.sql`${r('handoffTurns')} > 0` }],
      shape: (row) => ({ tickets: row.tickets ?? 0, handedOff: row.handedOff ?? 0, rate: share(row.handedOff ?? 0, row.tickets ?? 0) }),
    },
  } satisfies Record<string, RangeMetric>;
}

export type RangeMetrics = ReturnType<typeof rangeMetrics>;
export type RangeMetricName = keyof RangeMetrics;

/** Names of the range metrics, in the order the summary lists them. */
export const RANGE_METRICS = ['volume', 'afrt', 'art', 'csat', 'frtr', 'artr', 'resolvedLate', 'deflection', 'handoff'] as const satisfies readonly RangeMetricName[];

/** Every metric a time series can show: the range metrics and the backlog. */
export const SERIES_METRICS = [...RANGE_METRICS, 'backlog'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

/** Backlog age buckets: [lower, upper) in ms, by the label the API uses. */
export const BACKLOG_AGES: ReadonlyArray<{ label: string; from: number; to: number | null }> = [
  { label: '0-1h', from: 0, to: 3_600_000 },
  { label: '1h-4h', from: 3_600_000, to: 4 * 3_600_000 },
  { label: '4h-24h', from: 4 * 3_600_000, to: 24 * 3_600_000 },
  { label: '1d-3d', from: 24 * 3_600_000, to: 72 * 3_600_000 },
  { label: '3d-7d', from: 72 * 3_600_000, to: 168 * 3_600_000 },
  { label: '7d+', from: 168 * 3_600_000, to: null },
];
