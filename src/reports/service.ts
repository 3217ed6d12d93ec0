/**
 * Reports: the summary of every metric for a range and a slice, and a metric's time series.
 * Read-only, straight from the tickets (no rollups to keep in step; the only derived figures
 * are the per-ticket counts PostgreSQL keeps itself, src/reports/counts.ts): the definitions are
 * in src/reports/metrics.ts, the SQL in src/reports/queries.ts.
 */
import type { Db } from '../db/prisma.js';
import type { DeskSettings } from '../core/deskSettings.js';
import { ValidationError } from '../core/errors.js';
import { BusinessTimePlan } from './businessTime.js';
import { bucketsOf, type Interval } from './buckets.js';
import { resolveFilters, type ReportFilters } from './filters.js';
import { BACKLOG_AGES, RANGE_METRICS, rangeMetrics, type RangeMetricName, type RangeMetrics, type SeriesMetric } from './metrics.js';
import { agentLoad, backlogSeries, busiestHours, durationBounds, presentState, rangeSeries, rangeSummary, type QueryContext } from './queries.js';

/** What a report covers. */
export interface ReportRequest {
  /** The range [from, to). */
  from: Date;
  to: Date;
  /** IANA time zone of busiest hours and of time series buckets. */
  tz: string;
  filters: ReportFilters;
  /** The report's present moment (default: now). */
  now?: Date;
}

export interface SeriesRequest extends ReportRequest {
  metric: SeriesMetric;
  interval: Interval;
}

type Shaped<N extends RangeMetricName> = ReturnType<RangeMetrics[N]['shape']>;

/** Head of every report: what it covers. */
function head(req: ReportRequest, now: Date) {
  return {
    from: req.from.toISOString(),
    to: req.to.toISOString(),
    tz: req.tz,
    now: now.toISOString(),
    filters: { channel: req.filters.channel ?? null, team: req.filters.team ?? null, agent: req.filters.agent ?? null, category: req.filters.category ?? null },
  };
}

/** Metrics that need business-time calendars. */
const NEEDS_CALENDARS: ReadonlySet<string> = new Set(['afrt', 'art']);

export class ReportService {
  constructor(
    private readonly db: Db,
    private readonly settings: DeskSettings,
    /** True while the KB bot takes tickets (src/app.ts): the conversations it has are counted apart. */
    private readonly botHandles: () => boolean = () => false,
  ) {}

  /** Every metric over the range and slice. */
  async summary(req: ReportRequest) {
    const now = req.now ?? new Date();
    const ctx = await this.context(req, now, true);
    const metrics = rangeMetrics({ now });
    const [range, present, load, hours] = await Promise.all([
      rangeSummary(this.db, ctx, metrics),
      presentState(this.db, ctx),
      agentLoad(this.db, ctx),
      busiestHours(this.db, ctx, req.tz),
    ]);
    const shaped = Object.fromEntries(RANGE_METRICS.map((name) => [name, metrics[name].shape(range[name])])) as { [N in RangeMetricName]: Shaped<N> };
    return {
      ...head(req, now),
      ...shaped,
      ntb: { overdueNow: present.overdue, resolvedLate: shaped.resolvedLate.late },
      overdueNow: present.overdue,
      agentLoad: load,
      backlogAge: { open: present.open, withBot: present.withBot, buckets: BACKLOG_AGES.map(({ label }) => ({ age: label, tickets: present.ages[label] ?? 0 })) },
      busiestHours: hours,
    };
  }

  /** One metric per day or week of the range (buckets in `tz`). */
  async timeseries(req: SeriesRequest) {
    const now = req.now ?? new Date();
    const buckets = bucketsOf(req.from, req.to, req.interval, req.tz);
    if (!buckets) throw new ValidationError(`to: the range has too many ${req.interval}s for one series: use a shorter range or interval=week`, 'to');
    const ctx = await this.context(req, now, NEEDS_CALENDARS.has(req.metric));
    const base = { ...head(req, now), metric: req.metric, interval: req.interval };
    const stamp = (b: (typeof buckets)[number]) => ({ date: b.date, start: new Date(b.start).toISOString(), end: new Date(b.end).toISOString() });
    if (req.metric === 'backlog') {
      const ends = buckets.map((b) => Math.min(b.end, req.to.getTime()));
      const open = await backlogSeries(this.db, ctx, ends);
      return { ...base, points: buckets.map((b, i) => ({ ...stamp(b), at: new Date(ends[i] ?? b.end).toISOString(), open: open[i] ?? 0 })) };
    }
    const metric = rangeMetrics({ now })[req.metric];
    const rows = await rangeSeries(this.db, ctx, metric, buckets.map((b) => b.start));
    const shape = metric.shape as (row: Record<string, number>) => object;
    return { ...base, points: buckets.map((b, i) => ({ ...stamp(b), ...shape(rows[i] ?? {}) })) };
  }

  /**
   * What a report can be sliced by, for the pickers of the dashboard: the teams and agents known to
   * the desk (inactive agents too: their tickets are still in the ranges) and the configured categories.
   */
  async dimensions() {
    const [teams, agents] = await Promise.all([
      this.db.team.findMany({ select: { name: true }, orderBy: { name: 'asc' } }),
      this.db.agent.findMany({ select: { handle: true, name: true, active: true }, orderBy: { handle: 'asc' } }),
    ]);
    return {
      teams: teams.map((t) => t.name),
      agents,
      categories: this.settings.current.categories.map((c) => ({ path: c.path, title: c.title })),
    };
  }

  /** Resolves the slice and, when business time is needed, the calendars' tables over the instants concerned. */
  private async context(req: ReportRequest, now: Date, calendars: boolean): Promise<QueryContext> {
    const [slice, bounds] = await Promise.all([resolveFilters(this.db, req.filters), calendars ? durationBounds(this.db) : Promise.resolve(null)]);
    // Durations run from a ticket's opening to its first response or resolution inside the range:
    // the tables cover the earliest opening to the latest of those (never past `to`).
    const from = req.from.getTime();
    const to = req.to.getTime();
    const start = Math.min(bounds?.start?.getTime() ?? from, from);
    const end = Math.max(Math.min(bounds?.end?.getTime() ?? from, to), start);
    const plan = calendars ? BusinessTimePlan.build(this.settings, start, end) : null;
    return { from: req.from, to: req.to, now, slice, plan, botHandles: this.botHandles() };
  }
}

export type Summary = Awaited<ReturnType<ReportService['summary']>>;
export type Series = Awaited<ReturnType<ReportService['timeseries']>>;
