/**
 * The manager's dashboard: tiles of the present (overdue, open queue) and of the range, and
 * charts of the trends, all from /reports/summary and /reports/timeseries, for a range sliced by
 * channel, team, agent and category (the pickers' options from /reports/dimensions).
 */
import { useEffect, useState } from 'preact/hooks';
import { get, qs } from '../api';
import { currentLang, formatDuration, formatPercent, t } from '../i18n';
import { CHANNELS } from '../model';
import { ChartBox, COLORS } from './Chart';

interface Summary {
  volume: { tickets: number };
  afrt: { tickets: number; avgMs: number | null; avgBusinessMs: number | null };
  art: { tickets: number; avgMs: number | null; avgBusinessMs: number | null };
  csat: { ratings: number; average: number | null; distribution: Record<string, number> };
  frtr: { rate: number | null; missed: number };
  artr: { rate: number | null; missed: number };
  deflection: { rate: number | null; deflected: number; tickets: number };
  handoff: { rate: number | null };
  overdueNow: number;
  backlogAge: { open: number; withBot: number };
}

/** What the reports can be sliced by (GET /reports/dimensions). */
interface Dimensions {
  channels: string[];
  teams: string[];
  agents: Array<{ handle: string; name: string; active: boolean }>;
  categories: Array<{ path: string; title: { ru: string; en: string } }>;
}

type Point = { date: string } & Record<string, number | null | string>;
interface Series {
  points: Point[];
}

const RANGES = { days7: 7, days30: 30, days90: 90 } as const;

function Tile({ label, value, hint, testId, alert }: { label: string; value: string | number; hint?: string; testId: string; alert?: boolean }) {
  return (
    <div class={`card tile${alert ? ' alert' : ''}`} data-testid={testId}>
      <div class="tile-label">{label}</div>
      <div class="tile-value" data-testid={`${testId}-value`}>
        {value}
      </div>
      {hint && <div class="tile-hint">{hint}</div>}
    </div>
  );
}

const minutes = (ms: number | null | string | undefined) => (typeof ms === 'number' ? Math.round(ms / 600) / 100 : null);
const percent = (rate: number | null | string | undefined) => (typeof rate === 'number' ? Math.round(rate * 1000) / 10 : null);

export function Dashboard() {
  const [range, setRange] = useState<keyof typeof RANGES>('days30');
  const [interval, setBucket] = useState<'day' | 'week'>('day');
  const [channel, setChannel] = useState('');
  const [team, setTeam] = useState('');
  const [agent, setAgent] = useState('');
  const [category, setCategory] = useState('');
  const [dims, setDims] = useState<Dimensions | null>(null);
  const [span, setSpan] = useState<Record<string, string> | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [series, setSeries] = useState<Record<string, Point[]>>({});
  const [error, setError] = useState('');

  useEffect(() => {
    get<Dimensions>('/reports/dimensions').then(setDims, () => undefined);
  }, []);

  useEffect(() => {
    let live = true;
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[range] * 86_400_000);
    const slice = Object.fromEntries(Object.entries({ channel, team, agent, category }).filter(([, v]) => v)) as Record<string, string>;
    const span = { from: from.toISOString(), to: to.toISOString(), ...slice };
    setSpan(span);
    const load = async () => {
      try {
        const metrics = ['volume', 'afrt', 'frtr', 'artr', 'csat', 'deflection'];
        const [s, ...all] = await Promise.all([
          get<Summary>(`/reports/summary${qs(span)}`),
          ...metrics.map((metric) => get<Series>(`/reports/timeseries${qs({ ...span, metric, interval })}`)),
        ]);
        if (!live) return;
        setSummary(s);
        setSeries(Object.fromEntries(metrics.map((m, i) => [m, all[i]!.points])));
        setError('');
      } catch (err) {
        if (live) setError(err instanceof Error ? err.message : String(err));
      }
    };
    void load();
    // The present (overdue, queue) moves: refresh it every half minute.
    const timer = setInterval(load, 30_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [range, interval, channel, team, agent, category]);

  const labels = (series.volume ?? []).map((p) => p.date);
  const pick = (metric: string, field: string, f: (v: number | null | string | undefined) => number | null = (v) => (typeof v === 'number' ? v : null)) =>
    (series[metric] ?? []).map((p) => f(p[field]));

  return (
    <div class="dashboard">
      <div class="toolbar">
        <h2>{t('dashboard')}</h2>
        <select data-testid="range" value={range} onChange={(e) => setRange(e.currentTarget.value as keyof typeof RANGES)}>
          {Object.keys(RANGES).map((r) => (
            <option key={r} value={r}>
              {t(r as keyof typeof RANGES)}
            </option>
          ))}
        </select>
        <select value={interval} onChange={(e) => setBucket(e.currentTarget.value as 'day' | 'week')}>
          <option value="day">{t('byDay')}</option>
          <option value="week">{t('byWeek')}</option>
        </select>
        <select data-testid="dashboard-channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>
          <option value="">
            {t('channel')}: {t('any')}
          </option>
          {(dims?.channels ?? [...CHANNELS]).map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
        <select data-testid="dashboard-team" value={team} onChange={(e) => setTeam(e.currentTarget.value)}>
          <option value="">
            {t('team')}: {t('any')}
          </option>
          {(dims?.teams ?? []).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <select data-testid="dashboard-agent" value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
          <option value="">
            {t('assignee')}: {t('any')}
          </option>
          {(dims?.agents ?? []).map((a) => (
            <option key={a.handle} value={a.handle}>
              {a.name} (@{a.handle}){a.active ? '' : ` — ${t('inactive')}`}
            </option>
          ))}
        </select>
        <select data-testid="dashboard-category" value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
          <option value="">
            {t('category')}: {t('any')}
          </option>
          {(dims?.categories ?? []).map((c) => (
            <option key={c.path} value={c.path}>
              {c.title[currentLang()]} ({c.path})
            </option>
          ))}
        </select>
        {span && (
          <a class="button-link" href={`/api/v1/reports/summary${qs({ ...span, format: 'csv' })}`} data-testid="export-csv">
            CSV
          </a>
        )}
      </div>
      {error && <p class="error">{error}</p>}
      {!summary ? (
        <p>{t('loading')}</p>
      ) : (
        <>
          <div class="tiles">
            <Tile testId="tile-overdue" label={t('overdueNow')} value={summary.overdueNow} alert={summary.overdueNow > 0} />
            <Tile
              testId="tile-queue"
              label={t('queueSize')}
              value={summary.backlogAge.open}
              hint={summary.backlogAge.withBot ? t('withBotNow', { n: summary.backlogAge.withBot }) : undefined}
            />
            <Tile testId="tile-volume" label={t('volume')} value={summary.volume.tickets} />
            <Tile testId="tile-afrt" label={t('afrt')} value={formatDuration(summary.afrt.avgMs)} hint={`${t('businessTime')}: ${formatDuration(summary.afrt.avgBusinessMs)}`} />
            <Tile testId="tile-art" label={t('art')} value={formatDuration(summary.art.avgMs)} hint={`${t('businessTime')}: ${formatDuration(summary.art.avgBusinessMs)}`} />
            <Tile testId="tile-frtr" label={t('frtr')} value={formatPercent(summary.frtr.rate)} />
            <Tile testId="tile-artr" label={t('artr')} value={formatPercent(summary.artr.rate)} />
            <Tile testId="tile-csat" label={t('csat')} value={summary.csat.average ?? '—'} hint={`${summary.csat.ratings} ${t('ratings')}`} />
            <Tile testId="tile-deflection" label={t('deflection')} value={formatPercent(summary.deflection.rate)} />
          </div>
          <div class="charts">
            <ChartBox
              testId="chart-volume"
              title={t('volumeChart')}
              config={{ type: 'bar', data: { labels, datasets: [{ label: t('volume'), data: pick('volume', 'tickets'), backgroundColor: COLORS[0] }] } }}
            />
            <ChartBox
              testId="chart-afrt"
              title={t('afrtChart')}
              config={{
                type: 'line',
                data: {
                  labels,
                  datasets: [
                    { label: t('wallClock'), data: pick('afrt', 'avgMs', minutes), borderColor: COLORS[0], spanGaps: true },
                    { label: t('businessTime'), data: pick('afrt', 'avgBusinessMs', minutes), borderColor: COLORS[1], spanGaps: true },
                  ],
                },
                // Durations and shares are never negative: without a floor chart.js centres a flat 0 line on −1…1.
                options: { scales: { y: { min: 0 } } },
              }}
            />
            <ChartBox
              testId="chart-sla"
              title={t('slaChart')}
              config={{
                type: 'line',
                data: {
                  labels,
                  datasets: [
                    { label: t('frtr'), data: pick('frtr', 'rate', percent), borderColor: COLORS[3], spanGaps: true },
                    { label: t('artr'), data: pick('artr', 'rate', percent), borderColor: COLORS[4], spanGaps: true },
                  ],
                },
                options: { scales: { y: { min: 0, max: 100 } } },
              }}
            />
            <ChartBox
              testId="chart-csat"
              title={t('csatChart')}
              config={{
                type: 'line',
                data: { labels, datasets: [{ label: t('csat'), data: pick('csat', 'average'), borderColor: COLORS[2], spanGaps: true }] },
                options: { scales: { y: { min: 1, max: 5 } } },
              }}
            />
            <ChartBox
              testId="chart-deflection"
              title={t('deflectionChart')}
              config={{
                type: 'line',
                data: { labels, datasets: [{ label: t('deflection'), data: pick('deflection', 'rate', percent), borderColor: COLORS[0], fill: true, spanGaps: true }] },
                options: { scales: { y: { min: 0, max: 100 } } },
              }}
            />
          </div>
        </>
      )}
    </div>
  );
}
