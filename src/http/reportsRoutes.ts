/**
 * Reports over REST:
 *   GET /reports/summary?from&to&tz&channel&team&agent&category     every metric
 *   GET /reports/timeseries?metric&interval=day|week&from&to&tz&…     one metric per day or week
 *   GET /reports/dimensions                                             what they can be sliced by
 * Both answer CSV with `format=csv` or `Accept: text/csv`. What each metric counts:
 * src/reports/metrics.ts.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { DeskSettings } from '../core/deskSettings.js';
import { ValidationError } from '../core/errors.js';
import { Channel } from '../generated/prisma/enums.js';
import { deskTimeZone, INTERVALS, localDate, parseInstant, validTimeZone } from '../reports/buckets.js';
import { seriesCsv, summaryCsv } from '../reports/csv.js';
import { SERIES_METRICS } from '../reports/metrics.js';
import type { ReportRequest, ReportService } from '../reports/service.js';
import { text } from './schemas.js';
import { apiGroup } from './apiRoutes.js';

/** The default range: the 30 days up to now. */
const DEFAULT_RANGE_MS = 30 * 86_400_000;

/** A repeated parameter (?channel=a&channel=b) reads like a comma-separated one. */
const joined = z.preprocess((v) => (Array.isArray(v) ? v.join(',') : v), text().optional());

const CHANNELS: readonly string[] = Object.values(Channel);

const categoryPath = /^[\p{L}\p{N}_-]+(\/[\p{L}\p{N}_-]+)*$/u;

const reportQuery = z.object({
  from: joined,
  to: joined,
  tz: joined,
  channel: joined,
  team: joined.pipe(z.string().trim().min(1).max(100).optional()),
  agent: joined.pipe(z.string().trim().min(1).max(100).optional()),
  category: joined.pipe(z.string().regex(categoryPath, 'a category path like "support/hardware"').optional()),
  format: joined.pipe(z.enum(['json', 'csv']).optional()),
});

const seriesQuery = reportQuery.extend({
  metric: joined.pipe(z.enum(SERIES_METRICS, { error: `one of ${SERIES_METRICS.join(', ')}` })),
  interval: joined.pipe(z.enum(INTERVALS).default('day')),
});

/** The range, zone and slice of a report from its parsed query; a bad value is a 400 naming it. */
function reportRequest(q: z.infer<typeof reportQuery>, settings: DeskSettings): ReportRequest {
  const tz = q.tz === undefined ? deskTimeZone(settings) : validTimeZone(q.tz);
  if (!tz) throw new ValidationError(`tz: unknown time zone "${q.tz}" (an IANA name such as Europe/Moscow or UTC)`, 'tz');
  const instant = (value: string | undefined, field: 'from' | 'to'): Date | undefined => {
    if (value === undefined) return undefined;
    const at = parseInstant(value, tz);
    if (!at) throw new ValidationError(`${field}: "${value}" is not a date (YYYY-MM-DD) or an ISO 8601 date-time`, field);
    return at;
  };
  const to = instant(q.to, 'to') ?? new Date();
  const from = instant(q.from, 'from') ?? new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (from >= to) throw new ValidationError('from: must be before to', 'from');
  const channel = q.channel?.split(',').map((c) => c.trim()).filter(Boolean);
  const unknown = channel?.find((c) => !CHANNELS.includes(c));
  if (unknown !== undefined) throw new ValidationError(`channel: unknown channel "${unknown}" (one of ${CHANNELS.join(', ')})`, 'channel');
  return {
    from,
    to,
    tz,
    filters: {
      ...(channel?.length ? { channel: channel as Channel[] } : {}),
      ...(q.team !== undefined ? { team: q.team } : {}),
      ...(q.agent !== undefined ? { agent: q.agent } : {}),
      ...(q.category !== undefined ? { category: q.category } : {}),
    },
  };
}

/** CSV when asked for with format=csv, or by an Accept header preferring text/csv to JSON. */
function wantsCsv(req: Request, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

function sendCsv(res: Response, name: string, body: string): void {
  res.type('text/csv; charset=utf-8');
  res.attachment(`${name}.csv`);
  res.send(body);
}

/** "2025-03-03-2025-03-17": the range's local dates, for file names. */
const span = (r: { from: string; to: string; tz: string }) => `${localDate(new Date(r.from), r.tz)}-${localDate(new Date(r.to), r.tz)}`;

export function reportsRouter({ reports, settings }: { reports: ReportService; settings: DeskSettings }): Router {
  const router = Router();

  router.get('/reports/summary', async (req, res) => {
    const q = reportQuery.parse(req.query);
    const summary = await reports.summary(reportRequest(q, settings));
    if (wantsCsv(req, q.format)) sendCsv(res, `summary-${span(summary)}`, summaryCsv(summary));
    else res.json(summary);
  });

  router.get('/reports/timeseries', async (req, res) => {
    const q = seriesQuery.parse(req.query);
    const series = await reports.timeseries({ ...reportRequest(q, settings), metric: q.metric, interval: q.interval });
    if (wantsCsv(req, q.format)) sendCsv(res, `${series.metric}-${series.interval}-${span(series)}`, seriesCsv(series));
    else res.json(series);
  });

  router.get('/reports/dimensions', async (_req, res) => {
    res.json({ channels: CHANNELS, ...(await reports.dimensions()) });
  });

  return router;
}

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const reportsApi = apiGroup('reports', '/api/v1', [
  {
    method: 'get', path: '/reports/summary', summary: 'Every metric for a range, sliced by channel, team, agent and category',
    description: '`from` and `to`: dates (midnight in `tz`) or ISO date-times, `to` excluded, the last 30 days by default. Lists are comma-separated or repeated. CSV with `format=csv` or `Accept: text/csv`.',
    query: reportQuery, success: { status: 200, description: 'the summary', contentTypes: ['application/json', 'text/csv'] },
  },
  {
    method: 'get', path: '/reports/timeseries', summary: 'One metric per day or week',
    description: `\`metric\`: one of ${SERIES_METRICS.join(', ')}. The other parameters as in /reports/summary.`,
    query: seriesQuery, success: { status: 200, description: 'the series', contentTypes: ['application/json', 'text/csv'] },
  },
  {
    method: 'get', path: '/reports/dimensions', summary: 'What the reports can be sliced by: channels, teams, agents and categories',
    description: 'For pickers: `{channels, teams: [name], agents: [{handle, name, active}], categories: [{path, title: {ru, en}}]}`; readable by viewers.',
    success: { status: 200, description: '`{channels, teams, agents, categories}`' },
  },
]);
