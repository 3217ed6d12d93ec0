/**
 * Reports on a known history (test/reports/history.ts): every figure of the summary, time series
 * by day and week, the slices, CSV export and parameter validation, checked against values
 * worked out by hand below. The range is the two weeks from Monday 2025-03-03 to Monday
 * 2025-03-17 in Moscow (UTC+3, the zone of the desk's timers.calendar, so the default).
 *
 * Calendars (test/reports/desk.yaml): office Mon–Fri 09–17 (03-08 a holiday); shop-floor Mon–Fri
 * 10–14 and 15–19, Sat 11–16. Policies: normal, urgent, high, low → office; normal/delivery →
 * shop-floor. Due times are written as given; the reports never recompute them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { msk, writeHistory, type TicketSpec } from './history.js';

const H = 3_600_000;
const M = 60_000;
const RANGE = 'from=2025-03-03&to=2025-03-17';

let t: TestGateway;
let now: number;

/**
 * The history. Per ticket: what it contributes (FR = first response, wall / business).
 *  T1  telegram support anna orders normal: opened Mon 03-03 10:00, FR 11:30 (1.5h / 1.5h, due 13:00: met),
 *      resolved Tue 12:00 (26h / 7h+3h = 10h, due 03-06: met), CSAT 5, bot handoff.
 *  T2  widget support boris delivery/courier normal/delivery (shop-floor): opened Fri 03-07 18:00,
 *      FR Mon 03-10 10:30 (64.5h / Fri 1h + Sat 5h + Mon 0.5h = 6.5h; due Sat 12:00: missed),
 *      resolved Tue 03-11 16:00 (94h / 1 + 5 + Mon 8 + Tue 5 = 19h; due Tue 12:00: late), closed, CSAT 2.
 *  T3  api billing vera payment urgent: opened Wed 03-12 16:30, FR Thu 09:15 (16.75h / 30m + 15m; due 09:30: met),
 *      open, resolution due Thu 16:30 long past: missed, overdue now (past nextDueAt, not marked).
 *  T4  telegram support unassigned orders normal: opened Sat 03-15 12:00, new, never answered, both due
 *      times past: missed, missed; marked overdue.
 *  T5  widget no team unassigned orders: opened Tue 03-04 14:00, the bot deflected at 14:01 and resolved it
 *      (1m / 1m); FR due 17:00 not needed; resolution met. Deflected.
 *  T6  like T5 at 15:00, resolved 15:02 (2m / 2m), but anna left a note: not deflected.
 *  T7  vk support anna orders low: opened Wed 03-05 09:00, deflected then reopened, pending now: waiting, waiting.
 *  T8  whatsapp billing vera payment high: opened Mon 03-10 09:00, FR 12:00 (3h / 3h; due 11:00: missed),
 *      resolved 16:00 (7h / 7h; due Tue 17:00: met), CSAT 4, bot handoff.
 *  T9  telegram support boris orders: opened before the range (Fri 02-28 16:00), FR Mon 03-03 09:30
 *      (65.5h / 1h + 0.5h), resolved 10:00 (66h / 2h, due Wed: on time), CSAT 3 on 03-03. Not in the volume.
 *  T10 telegram support anna orders: opened Thu 03-13 10:00, FR after the range (03-17 10:00; due 13:00:
 *      missed), open, resolution due 03-18 past: missed; marked overdue.
 *  T11 merged into T1: counts nowhere, though it has a handoff.
 *  T12 api billing vera payment, policy "retired" (not configured: wall clock): opened Mon 03-03 20:00,
 *      FR Tue 08:00 (12h / 12h; met), resolved after the range (03-20, due 03-05: missed), CSAT 1 after the range.
 *  T13 before the range entirely (February).
 *  T14–T17 opened just now: open for 30 min (new), 2 h (anna), 2 days (boris, pending), 10 h (inactive agent
 *      "old", marked overdue). No due times.
 *  T18 widget billing unassigned delivery_old (not under delivery): opened Fri 03-14 12:00, open, due in 2099.
 */
function history(): TicketSpec[] {
  const ago = (ms: number) => new Date(now - ms);
  return [
    { key: 'T1', channel: 'telegram', team: 'support', assignee: 'anna', category: 'orders', status: 'resolved', openedAt: msk('2025-03-03T10:00'),
      firstRespondedAt: msk('2025-03-03T11:30'), resolvedAt: msk('2025-03-04T12:00'), firstResponseDueAt: msk('2025-03-03T13:00'), resolutionDueAt: msk('2025-03-06T10:00'),
      csat: { score: 5, ratedAt: msk('2025-03-04T13:00') }, turns: [{ action: 'handoff', at: msk('2025-03-03T10:01') }] },
    { key: 'T2', channel: 'widget', team: 'support', assignee: 'boris', category: 'delivery/courier', slaPolicy: 'normal/delivery', status: 'closed',
      openedAt: msk('2025-03-07T18:00'), firstRespondedAt: msk('2025-03-10T10:30'), resolvedAt: msk('2025-03-11T16:00'), closedAt: msk('2025-03-12T10:00'),
      firstResponseDueAt: msk('2025-03-08T12:00'), resolutionDueAt: msk('2025-03-11T12:00'), csat: { score: 2, ratedAt: msk('2025-03-12T09:00') } },
    { key: 'T3', channel: 'api', team: 'billing', assignee: 'vera', category: 'payment', priority: 'urgent', status: 'open', openedAt: msk('2025-03-12T16:30'),
      firstRespondedAt: msk('2025-03-13T09:15'), firstResponseDueAt: msk('2025-03-13T09:30'), resolutionDueAt: msk('2025-03-13T16:30') },
    { key: 'T4', channel: 'telegram', team: 'support', category: 'orders', status: 'new', openedAt: msk('2025-03-15T12:00'),
      firstResponseDueAt: msk('2025-03-17T12:00'), resolutionDueAt: msk('2025-03-19T17:00'), overdue: true },
    { key: 'T5', channel: 'widget', category: 'orders', status: 'resolved', openedAt: msk('2025-03-04T14:00'), resolvedAt: msk('2025-03-04T14:01'),
      firstResponseDueAt: msk('2025-03-04T17:00'), resolutionDueAt: msk('2025-03-07T14:00'), turns: [{ action: 'deflected', at: msk('2025-03-04T14:01') }] },
    { key: 'T6', channel: 'widget', category: 'orders', status: 'resolved', openedAt: msk('2025-03-04T15:00'), resolvedAt: msk('2025-03-04T15:02'),
      firstResponseDueAt: msk('2025-03-05T10:00'), resolutionDueAt: msk('2025-03-07T15:00'), turns: [{ action: 'deflected', at: msk('2025-03-04T15:02') }],
      noteAt: msk('2025-03-04T15:30') },
    { key: 'T7', channel: 'vk', team: 'support', assignee: 'anna', category: 'orders', priority: 'low', status: 'pending', openedAt: msk('2025-03-05T09:00'),
      firstResponseDueAt: msk('2025-03-05T17:00'), resolutionDueAt: msk('2025-03-12T17:00'), turns: [{ action: 'deflected', at: msk('2025-03-05T09:01') }] },
    { key: 'T8', channel: 'whatsapp', team: 'billing', assignee: 'vera', category: 'payment', priority: 'high', status: 'resolved', openedAt: msk('2025-03-10T09:00'),
      firstRespondedAt: msk('2025-03-10T12:00'), resolvedAt: msk('2025-03-10T16:00'), firstResponseDueAt: msk('2025-03-10T11:00'), resolutionDueAt: msk('2025-03-11T17:00'),
      csat: { score: 4, ratedAt: msk('2025-03-11T10:00') }, turns: [{ action: 'answer', at: msk('2025-03-10T09:00') }, { action: 'handoff', at: msk('2025-03-10T09:05') }] },
    { key: 'T9', channel: 'telegram', team: 'support', assignee: 'boris', category: 'orders', status: 'resolved', openedAt: msk('2025-02-28T16:00'),
      firstRespondedAt: msk('2025-03-03T09:30'), resolvedAt: msk('2025-03-03T10:00'), firstResponseDueAt: msk('2025-03-03T11:00'), resolutionDueAt: msk('2025-03-05T16:00'),
      csat: { score: 3, ratedAt: msk('2025-03-03T12:00') } },
    { key: 'T10', channel: 'telegram', team: 'support', assignee: 'anna', category: 'orders', status: 'open', openedAt: msk('2025-03-13T10:00'),
      firstRespondedAt: msk('2025-03-17T10:00'), firstResponseDueAt: msk('2025-03-13T13:00'), resolutionDueAt: msk('2025-03-18T10:00'), overdue: true },
    { key: 'T11', channel: 'telegram', team: 'support', assignee: 'anna', category: 'orders', status: 'closed', openedAt: msk('2025-03-04T10:00'),
      resolvedAt: msk('2025-03-04T10:05'), closedAt: msk('2025-03-04T10:05'), mergedInto: 'T1', turns: [{ action: 'handoff', at: msk('2025-03-04T10:01') }] },
    { key: 'T12', channel: 'api', team: 'billing', assignee: 'vera', category: 'payment', slaPolicy: 'retired', status: 'resolved', openedAt: msk('2025-03-03T20:00'),
      firstRespondedAt: msk('2025-03-04T08:00'), resolvedAt: msk('2025-03-20T12:00'), firstResponseDueAt: msk('2025-03-04T12:00'), resolutionDueAt: msk('2025-03-05T12:00'),
      csat: { score: 1, ratedAt: msk('2025-03-20T13:00') } },
    { key: 'T13', channel: 'telegram', team: 'support', assignee: 'anna', category: 'orders', status: 'closed', openedAt: msk('2025-02-01T10:00'),
      firstRespondedAt: msk('2025-02-01T10:10'), resolvedAt: msk('2025-02-02T10:00'), closedAt: msk('2025-02-02T10:00') },
    { key: 'T14', channel: 'widget', team: 'support', category: 'orders', slaPolicy: null, status: 'new', openedAt: ago(30 * M) },
    { key: 'T15', channel: 'widget', team: 'support', assignee: 'anna', category: 'orders', slaPolicy: null, status: 'open', openedAt: ago(2 * H) },
    { key: 'T16', channel: 'widget', team: 'support', assignee: 'boris', category: 'orders', slaPolicy: null, status: 'pending', openedAt: ago(48 * H) },
    { key: 'T17', channel: 'widget', assignee: 'old', category: 'orders', slaPolicy: null, status: 'open', openedAt: ago(10 * H), overdue: true },
    { key: 'T18', channel: 'widget', team: 'billing', category: 'delivery_old', slaPolicy: null, status: 'open', openedAt: msk('2025-03-14T12:00'),
      firstResponseDueAt: new Date('2099-01-01T00:00:00Z'), resolutionDueAt: new Date('2099-01-02T00:00:00Z') },
  ];
}

beforeAll(async () => {
  // With a knowledge base, so the bot takes tickets: its conversations are counted apart (below).
  t = await startTestGateway({ DESK_CONFIG: 'test/reports/desk.yaml', KB_DIR: SAMPLE_KB_DIR });
  // Timers plan every ticket once at start: let that pass, so they never act on the history below.
  await (t.gateway as { timers?: { rebuilt?: Promise<unknown> } }).timers?.rebuilt;
  now = Date.now();
  await writeHistory(t.databaseUrl, history(), [{ handle: 'old', name: 'Old Agent', active: false }]);
});
afterAll(async () => {
  await t?.stop();
});

async function json<T = Record<string, unknown>>(path: string): Promise<T> {
  const res = await t.api('GET', path);
  const body = await res.text();
  expect(res.status, body).toBe(200);
  return JSON.parse(body) as T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

describe('summary', () => {
  it('gives every figure of the known history', async () => {
    const s = await json<Any>(`/reports/summary?${RANGE}`);
    expect(s.from).toBe(msk('2025-03-03T00:00').toISOString());
    expect(s.to).toBe(msk('2025-03-17T00:00').toISOString());
    expect(s.tz).toBe('Europe/Moscow');
    expect(s.filters).toEqual({ channel: null, team: null, agent: null, category: null });

    // Opened in the range: T1–T8, T10, T12, T18.
    expect(s.volume).toEqual({ tickets: 11 });
    // First responses in the range: T1, T2, T3, T8, T9, T12.
    // wall: 1.5 + 64.5 + 16.75 + 3 + 65.5 + 12 = 163.25 h; business: 1.5 + 6.5 + 0.75 + 3 + 1.5 + 12 = 25.25 h.
    expect(s.afrt).toEqual({ tickets: 6, avgMs: Math.round((163.25 * H) / 6), avgBusinessMs: Math.round((25.25 * H) / 6) });
    // Resolved in the range: T1, T2, T5, T6, T8, T9.
    // wall: 26h + 94h + 1m + 2m + 7h + 66h; business: 10h + 19h + 1m + 2m + 7h + 2h.
    expect(s.art).toEqual({ tickets: 6, avgMs: Math.round((193 * H + 3 * M) / 6), avgBusinessMs: Math.round((38 * H + 3 * M) / 6) });
    // Rated in the range: 5 (T1), 2 (T2), 4 (T8), 3 (T9).
    expect(s.csat).toEqual({ ratings: 4, average: 3.5, distribution: { '1': 0, '2': 1, '3': 1, '4': 1, '5': 1 } });
    // met T1 T3 T12; missed T2 T4 T8 T10; not needed T5 T6; waiting T7 (pending) T18 (due 2099).
    expect(s.frtr).toEqual({ tickets: 11, met: 3, missed: 4, notNeeded: 2, waiting: 2, rate: 0.5714 });
    // met T1 T5 T6 T8; missed T2 T3 T4 T10 T12; waiting T7 T18.
    expect(s.artr).toEqual({ tickets: 11, met: 4, missed: 5, waiting: 2, rate: 0.5556 });
    // Resolved in the range, late: T2.
    expect(s.resolvedLate).toEqual({ resolved: 6, late: 1 });
    // Overdue now: T3 (past its resolution due time), T4, T10, T17 (marked).
    expect(s.ntb).toEqual({ overdueNow: 4, resolvedLate: 1 });
    expect(s.overdueNow).toBe(4);
    // Deflected: T5 only (T6 has a note, T7 is pending again).
    expect(s.deflection).toEqual({ tickets: 11, deflected: 1, rate: 0.0909 });
    // Handed off: T1, T8 (T11 is merged).
    expect(s.handoff).toEqual({ tickets: 11, handedOff: 2, rate: 0.1818 });
    // Open now: T3 vera, T4 -, T7 anna, T10 anna, T14 -, T15 anna, T16 boris, T17 old, T18 -.
    expect(s.agentLoad).toEqual({
      agents: [
        { agent: 'anna', name: 'Anna', open: 3 },
        { agent: 'boris', name: 'Boris', open: 1 },
        { agent: 'old', name: 'Old Agent', open: 1 },
        { agent: 'vera', name: 'Vera', open: 1 },
        { agent: 'gleb', name: 'Gleb', open: 0 },
      ],
      unassigned: 3,
    });
    expect(s.backlogAge).toEqual({
      open: 9,
      withBot: 0,
      buckets: [
        { age: '0-1h', tickets: 1 },
        { age: '1h-4h', tickets: 1 },
        { age: '4h-24h', tickets: 1 },
        { age: '1d-3d', tickets: 1 },
        { age: '3d-7d', tickets: 0 },
        { age: '7d+', tickets: 5 },
      ],
    });
    // Opening hours in Moscow: T7 T8 at 9, T1 T10 at 10, T4 T18 at 12, T5 14, T6 15, T3 16, T2 18, T12 20.
    const hours = Object.fromEntries((s.busiestHours as Array<{ hour: number; tickets: number }>).map((h) => [h.hour, h.tickets]));
    expect(s.busiestHours).toHaveLength(24);
    expect(hours).toEqual({ ...Object.fromEntries(Array.from({ length: 24 }, (_, h) => [h, 0])), 9: 2, 10: 2, 12: 2, 14: 1, 15: 1, 16: 1, 18: 1, 20: 1 });
  });

  it('counts busiest hours in the time zone asked for, and reads dates in it', async () => {
    const s = await json<Any>(`/reports/summary?${RANGE}&tz=UTC`);
    expect(s.tz).toBe('UTC');
    // The range is now UTC midnights: three hours later at both ends, which moves no ticket in or out.
    expect(s.from).toBe('2025-03-03T00:00:00.000Z');
    expect(s.volume).toEqual({ tickets: 11 });
    const hours = Object.fromEntries((s.busiestHours as Array<{ hour: number; tickets: number }>).filter((h) => h.tickets).map((h) => [h.hour, h.tickets]));
    expect(hours).toEqual({ 6: 2, 7: 2, 9: 2, 11: 1, 12: 1, 13: 1, 15: 1, 17: 1 });
  });

  it('slices by channel', async () => {
    const s = await json<Any>(`/reports/summary?${RANGE}&channel=telegram`);
    expect(s.filters.channel).toEqual(['telegram']);
    // T1, T4, T10 opened; T1 and T9 answered; T1, T9 resolved.
    expect(s.volume).toEqual({ tickets: 3 });
    expect(s.afrt).toEqual({ tickets: 2, avgMs: Math.round(((1.5 + 65.5) * H) / 2), avgBusinessMs: Math.round(((1.5 + 1.5) * H) / 2) });
    expect(s.art).toEqual({ tickets: 2, avgMs: Math.round(((26 + 66) * H) / 2), avgBusinessMs: Math.round(((10 + 2) * H) / 2) });
    expect(s.frtr).toEqual({ tickets: 3, met: 1, missed: 2, notNeeded: 0, waiting: 0, rate: 0.6667 });
    expect(s.handoff).toEqual({ tickets: 3, handedOff: 1, rate: 0.3333 });
    expect(s.overdueNow).toBe(2);
    expect(s.agentLoad.unassigned).toBe(1);
    const both = await json<Any>(`/reports/summary?${RANGE}&channel=telegram,widget`);
    // + T2, T5, T6, T18.
    expect(both.volume).toEqual({ tickets: 7 });
    const repeated = await json<Any>(`/reports/summary?${RANGE}&channel=telegram&channel=widget`);
    expect(repeated.volume).toEqual({ tickets: 7 });
  });

  it('slices by team, and "none" for tickets without one', async () => {
    const s = await json<Any>(`/reports/summary?${RANGE}&team=billing`);
    // T3, T8, T12, T18 opened; T3, T8, T12 answered: 16.75h + 3h + 12h (business 0.75 + 3 + 12).
    expect(s.volume).toEqual({ tickets: 4 });
    expect(s.afrt).toEqual({ tickets: 3, avgMs: Math.round((31.75 * H) / 3), avgBusinessMs: Math.round((15.75 * H) / 3) });
    expect(s.csat).toEqual({ ratings: 1, average: 4, distribution: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 0 } });
    // The billing roster is vera alone; T18 is unassigned.
    expect(s.agentLoad).toEqual({ agents: [{ agent: 'vera', name: 'Vera', open: 1 }], unassigned: 1 });
    const none = await json<Any>(`/reports/summary?${RANGE}&team=none`);
    expect(none.volume).toEqual({ tickets: 2 }); // T5, T6
    expect(none.deflection).toEqual({ tickets: 2, deflected: 1, rate: 0.5 });
  });

  it('slices by agent (the assignee), and "none" for unassigned tickets', async () => {
    const s = await json<Any>(`/reports/summary?${RANGE}&agent=anna`);
    // T1, T7, T10 opened (T11 is merged); T1 answered and resolved in the range.
    expect(s.volume).toEqual({ tickets: 3 });
    expect(s.afrt).toEqual({ tickets: 1, avgMs: 1.5 * H, avgBusinessMs: 1.5 * H });
    expect(s.frtr).toEqual({ tickets: 3, met: 1, missed: 1, notNeeded: 0, waiting: 1, rate: 0.5 });
    expect(s.agentLoad).toEqual({ agents: [{ agent: 'anna', name: 'Anna', open: 3 }], unassigned: 0 });
    expect(s.backlogAge.open).toBe(3);
    const at = await json<Any>(`/reports/summary?${RANGE}&agent=@anna`);
    expect(at.volume).toEqual({ tickets: 3 });
    const none = await json<Any>(`/reports/summary?${RANGE}&agent=none`);
    expect(none.volume).toEqual({ tickets: 4 }); // T4, T5, T6, T18
    expect(none.agentLoad).toEqual({ agents: [], unassigned: 3 });
  });

  it('slices by category, a path covering its subcategories only', async () => {
    const s = await json<Any>(`/reports/summary?${RANGE}&category=delivery`);
    // T2 (delivery/courier); not T18 (delivery_old).
    expect(s.volume).toEqual({ tickets: 1 });
    expect(s.afrt).toEqual({ tickets: 1, avgMs: 64.5 * H, avgBusinessMs: 6.5 * H });
    expect(s.art).toEqual({ tickets: 1, avgMs: 94 * H, avgBusinessMs: 19 * H });
    expect(s.resolvedLate).toEqual({ resolved: 1, late: 1 });
    const both = await json<Any>(`/reports/summary?${RANGE}&category=orders&channel=widget&team=none`);
    expect(both.volume).toEqual({ tickets: 2 }); // T5, T6
  });
});

describe('timeseries', () => {
  interface Point { date: string; start: string; end: string; [k: string]: unknown }
  const series = async (query: string) => json<{ metric: string; interval: string; points: Point[] }>(`/reports/timeseries?${RANGE}&${query}`);

  it('counts the volume per Moscow day', async () => {
    const s = await series('metric=volume&interval=day');
    expect(s.points.map((p) => p.date)).toEqual(Array.from({ length: 14 }, (_, i) => `2025-03-${String(3 + i).padStart(2, '0')}`));
    expect(s.points[0]).toMatchObject({ start: msk('2025-03-03T00:00').toISOString(), end: msk('2025-03-04T00:00').toISOString() });
    expect(s.points.map((p) => p.tickets)).toEqual([2, 2, 1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0]);
  });

  it('gives AFRT per week, Monday to Monday', async () => {
    const s = await series('metric=afrt&interval=week');
    // Week of 03-03: T1, T9, T12 (1.5 + 65.5 + 12 h; business 1.5 + 1.5 + 12). Week of 03-10: T2, T3, T8 (64.5 + 16.75 + 3; 6.5 + 0.75 + 3).
    expect(s.points).toEqual([
      { date: '2025-03-03', start: msk('2025-03-03T00:00').toISOString(), end: msk('2025-03-10T00:00').toISOString(), tickets: 3, avgMs: 79 * H / 3, avgBusinessMs: 15 * H / 3 },
      { date: '2025-03-10', start: msk('2025-03-10T00:00').toISOString(), end: msk('2025-03-17T00:00').toISOString(), tickets: 3, avgMs: Math.round(84.25 * H / 3), avgBusinessMs: Math.round(10.25 * H / 3) },
    ]);
  });

  it('gives FRTR, CSAT, deflection and handoff per week', async () => {
    const frtr = await series('metric=frtr&interval=week');
    expect(frtr.points.map(({ date: _d, start: _s, end: _e, ...v }) => v)).toEqual([
      { tickets: 6, met: 2, missed: 1, notNeeded: 2, waiting: 1, rate: 0.3333 }, // T1 T12 met, T2 missed, T5 T6, T7
      { tickets: 5, met: 1, missed: 3, notNeeded: 0, waiting: 1, rate: 0.75 }, // T3 met, T4 T8 T10 missed, T18
    ]);
    const csat = await series('metric=csat&interval=week');
    expect(csat.points.map((p) => [p.ratings, p.average])).toEqual([[2, 4], [2, 3]]); // 5, 3 | 2, 4
    const deflection = await series('metric=deflection&interval=week');
    expect(deflection.points.map((p) => [p.tickets, p.deflected])).toEqual([[6, 1], [5, 0]]);
    const handoff = await series('metric=handoff&interval=week');
    expect(handoff.points.map((p) => [p.tickets, p.handedOff])).toEqual([[6, 1], [5, 1]]);
  });

  it('gives the backlog at the end of each day', async () => {
    const s = await series('metric=backlog&interval=day');
    // 03-03: T1 T12 | 03-04: T12 | 03-05: +T7 | … 03-07: +T2 | 03-10: T8 in and out | 03-11: T2 out | 03-12 +T3 | 03-13 +T10 | 03-14 +T18 | 03-15 +T4
    expect(s.points.map((p) => p.open)).toEqual([2, 1, 2, 2, 3, 3, 3, 3, 2, 3, 4, 5, 6, 6]);
    expect(s.points[13]?.at).toBe(msk('2025-03-17T00:00').toISOString());
  });

  it('adds up to the summary for every range metric', async () => {
    const s = await json<Any>(`/reports/summary?${RANGE}&team=support`);
    const sum = (points: Point[], key: string) => points.reduce((n, p) => n + Number(p[key]), 0);
    const counts: Record<string, string[]> = {
      volume: ['tickets'], afrt: ['tickets'], art: ['tickets'], csat: ['ratings'], frtr: ['tickets', 'met', 'missed', 'notNeeded', 'waiting'],
      artr: ['tickets', 'met', 'missed', 'waiting'], resolvedLate: ['resolved', 'late'], deflection: ['tickets', 'deflected'], handoff: ['tickets', 'handedOff'],
    };
    for (const [metric, keys] of Object.entries(counts)) {
      const week = await series(`metric=${metric}&interval=week&team=support`);
      const day = await series(`metric=${metric}&interval=day&team=support`);
      for (const key of keys) {
        expect(sum(week.points, key), `${metric}.${key}`).toBe(s[metric][key]);
        expect(sum(day.points, key), `${metric}.${key}`).toBe(s[metric][key]);
      }
    }
    const afrt = await series('metric=afrt&interval=day&team=support');
    const wall = afrt.points.reduce((n, p) => n + Number(p.tickets) * Number(p.avgMs ?? 0), 0);
    expect(Math.round(wall / s.afrt.tickets)).toBeCloseTo(s.afrt.avgMs, -1);
  });

  it('lets a week straddle the range and counts only what is inside', async () => {
    const s = await json<{ points: Point[] }>('/reports/timeseries?metric=volume&interval=week&from=2025-03-05&to=2025-03-11');
    // Weeks of 03-03 and 03-10; inside [03-05, 03-11): T7 (03-05), T2 (03-07), T8 (03-10).
    expect(s.points.map((p) => [p.date, p.tickets])).toEqual([['2025-03-03', 2], ['2025-03-10', 1]]);
  });
});

describe('CSV export', () => {
  it('exports the summary as section,key,value rows', async () => {
    const res = await t.api('GET', `/reports/summary?${RANGE}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename=summary-2025-03-03-2025-03-17.csv');
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe('section,key,value');
    for (const line of [
      'report,tz,Europe/Moscow', 'volume,tickets,11', `afrt,avgMs,${Math.round((163.25 * H) / 6)}`, 'csat,average,3.5', 'csat,distribution.2,1',
      'frtr,rate,0.5714', 'ntb,overdueNow,4', 'ntb,resolvedLate,1', 'deflection,deflected,1', 'agentLoad,anna,3', 'agentLoad,gleb,0',
      'agentLoad,unassigned,3', 'backlogAge,7d+,5', 'busiestHours,9,2', 'filter,channel,',
    ]) expect(lines).toContain(line);
  });

  it('exports a series with one row per bucket, also when asked by Accept: text/csv', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/reports/timeseries?${RANGE}&metric=frtr&interval=week`, {
      headers: { authorization: 'Bearer test-admin-token', accept: 'text/csv' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await res.text()).toBe(
      [
        'date,start,end,tickets,met,missed,notNeeded,waiting,rate',
        `2025-03-03,${msk('2025-03-03T00:00').toISOString()},${msk('2025-03-10T00:00').toISOString()},6,2,1,2,1,0.3333`,
        `2025-03-10,${msk('2025-03-10T00:00').toISOString()},${msk('2025-03-17T00:00').toISOString()},5,1,3,0,1,0.75`,
        '',
      ].join('\r\n'),
    );
    const json = await t.api('GET', `/reports/timeseries?${RANGE}&metric=frtr&interval=week&format=json`);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('validation', () => {
  const rejects = async (query: string, field: string) => {
    const res = await t.api('GET', query);
    const body = (await res.json()) as { error: string; field?: string; message: string };
    expect(res.status, body.message).toBe(400);
    expect(body.field).toBe(field);
    expect(body.message).toContain(field);
  };

  it('answers 400 naming the field', async () => {
    await rejects('/reports/summary?from=yesterday', 'from');
    await rejects('/reports/summary?from=2025-02-30', 'from');
    await rejects('/reports/summary?to=2025-03-01T25:00', 'to');
    await rejects('/reports/summary?from=2025-03-10&to=2025-03-01', 'from');
    await rejects('/reports/summary?tz=Mars/Olympus', 'tz');
    await rejects('/reports/summary?channel=fax', 'channel');
    await rejects('/reports/summary?team=nobody', 'team');
    await rejects('/reports/summary?agent=nobody', 'agent');
    await rejects('/reports/summary?category=a//b', 'category');
    await rejects('/reports/summary?format=xml', 'format');
    await rejects('/reports/timeseries?from=2025-03-01&to=2025-03-02', 'metric');
    await rejects('/reports/timeseries?metric=vibes', 'metric');
    await rejects('/reports/timeseries?metric=volume&interval=month', 'interval');
    await rejects('/reports/timeseries?metric=volume&interval=day&from=2020-01-01&to=2025-01-01', 'to');
  });

  it('needs the bearer token', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/reports/summary`);
    expect(res.status).toBe(401);
  });
});

describe('agent-initiated tickets', () => {
  // A week of its own after the history above (so no figure there moves): Monday 2025-04-07 to 04-14.
  const APRIL = 'from=2025-04-07&to=2025-04-14';
  beforeAll(async () => {
    await writeHistory(t.databaseUrl, [
      // A1 the customer wrote: FR 1h (due 13:00: met), resolved after 2h (business the same, office hours).
      { key: 'A1', channel: 'telegram', team: 'support', assignee: 'anna', category: 'orders', status: 'resolved', openedAt: msk('2025-04-07T10:00'),
        firstRespondedAt: msk('2025-04-07T11:00'), resolvedAt: msk('2025-04-07T12:00'), firstResponseDueAt: msk('2025-04-07T13:00'), resolutionDueAt: msk('2025-04-10T10:00') },
      // A2 anna wrote first (as src/core/outreach.ts records it: first response at the opening, no first-response due
      // time), resolved after 4h; A3 likewise, resolved a day later and late: tickets like any other, but no first response to time.
      { key: 'A2', origin: 'agent', channel: 'telegram', team: 'support', assignee: 'anna', category: 'orders', status: 'resolved', openedAt: msk('2025-04-08T10:00'),
        firstRespondedAt: msk('2025-04-08T10:00'), resolvedAt: msk('2025-04-08T14:00'), resolutionDueAt: msk('2025-04-11T10:00') },
      { key: 'A3', origin: 'agent', channel: 'widget', team: 'support', assignee: 'anna', category: 'orders', status: 'resolved', openedAt: msk('2025-04-09T09:00'),
        firstRespondedAt: msk('2025-04-09T09:00'), resolvedAt: msk('2025-04-10T09:00'), resolutionDueAt: msk('2025-04-10T08:00') },
    ]);
  });

  it('leaves them out of first-response figures, and counts them in the others', async () => {
    const s = await json<Any>(`/reports/summary?${APRIL}`);
    expect(s.volume).toEqual({ tickets: 3 });
    // A1 alone: its 1 h, not (1 h + 0 + 0) / 3.
    expect(s.afrt).toEqual({ tickets: 1, avgMs: H, avgBusinessMs: H });
    expect(s.frtr).toEqual({ tickets: 1, met: 1, missed: 0, notNeeded: 0, waiting: 0, rate: 0 });
    // Resolution: A1 2h, A2 4h, A3 24h (business: 2h, 4h, 8h: 09:00 to 17:00 and nothing of 04-10 before 09:00).
    expect(s.art).toEqual({ tickets: 3, avgMs: Math.round((30 * H) / 3), avgBusinessMs: Math.round((14 * H) / 3) });
    // A3 was resolved an hour after its resolution due time.
    expect(s.artr).toEqual({ tickets: 3, met: 2, missed: 1, waiting: 0, rate: 0.3333 });
    expect(s.resolvedLate).toEqual({ resolved: 3, late: 1 });
    // The same by day: the agent's tickets' days have no first responses.
    const afrt = await json<{ points: Array<{ date: string; tickets: number; avgMs: number | null }> }>(`/reports/timeseries?${APRIL}&metric=afrt&interval=day`);
    expect(afrt.points.slice(0, 3).map((p) => [p.date, p.tickets, p.avgMs])).toEqual([['2025-04-07', 1, H], ['2025-04-08', 0, null], ['2025-04-09', 0, null]]);
    const volume = await json<{ points: Array<{ date: string; tickets: number }> }>(`/reports/timeseries?${APRIL}&metric=volume&interval=day`);
    expect(volume.points.slice(0, 3).map((p) => p.tickets)).toEqual([1, 1, 1]);
  });
});

describe('tickets the bot had first', () => {
  // A week of its own (so no figure above moves): Monday 2025-05-12 to 05-19, office hours 09-17.
  const MAY = 'from=2025-05-12&to=2025-05-19';
  beforeAll(async () => {
    await writeHistory(t.databaseUrl, [
      // B1 the customer read the bot's answer at 10:00, came back at 15:00 asking for a person (handoff), answered at 15:30.
      { key: 'B1', channel: 'widget', team: 'support', assignee: 'anna', category: 'orders', status: 'open', openedAt: msk('2025-05-12T10:00'),
        handedOffAt: msk('2025-05-12T15:00'), firstRespondedAt: msk('2025-05-12T15:30'), firstResponseDueAt: msk('2025-05-13T10:00'),
        turns: [{ action: 'answer', at: msk('2025-05-12T10:00') }, { action: 'handoff', at: msk('2025-05-12T15:00') }] },
      // B2 no bot: answered after 2 h.
      { key: 'B2', channel: 'telegram', team: 'support', assignee: 'anna', category: 'orders', status: 'open', openedAt: msk('2025-05-13T10:00'),
        firstRespondedAt: msk('2025-05-13T12:00'), firstResponseDueAt: msk('2025-05-13T13:00') },
    ]);
  });

  it('count the first response from the handoff: the time with the bot is not waiting for a person', async () => {
    const s = await json<Any>(`/reports/summary?${MAY}`);
    // B1 30 min (not 5 h 30 min) and B2 2 h, wall clock and business alike.
    expect(s.afrt).toEqual({ tickets: 2, avgMs: Math.round((2.5 * H) / 2), avgBusinessMs: Math.round((2.5 * H) / 2) });
    const widget = await json<Any>(`/reports/summary?${MAY}&channel=widget`);
    expect(widget.afrt).toEqual({ tickets: 1, avgMs: 30 * M, avgBusinessMs: 30 * M });
  });
});

describe('conversations the bot still has', () => {
  it('wait for nobody: left out of the open backlog and the unassigned count, and counted apart', async () => {
    const before = await json<Any>('/reports/summary');
    await writeHistory(t.databaseUrl, [
      // A customer read the bot's answers and left, an hour and three days ago: the bot still has both.
      { key: 'C1', channel: 'widget', category: 'orders', status: 'new', botActive: true, openedAt: new Date(Date.now() - H), turns: [{ action: 'answer', at: new Date(Date.now() - H) }] },
      { key: 'C2', channel: 'telegram', category: 'orders', status: 'open', botActive: true, openedAt: new Date(Date.now() - 72 * H) },
    ]);
    const after = await json<Any>('/reports/summary');
    expect(after.backlogAge.withBot).toBe(before.backlogAge.withBot + 2);
    expect(after.backlogAge.open).toBe(before.backlogAge.open);
    expect(after.backlogAge.buckets).toEqual(before.backlogAge.buckets);
    expect(after.agentLoad.unassigned).toBe(before.agentLoad.unassigned);
    const csv = await (await t.api('GET', '/reports/summary?format=csv')).text();
    expect(csv.split('\r\n')).toContain(`backlogAge,withBot,${before.backlogAge.withBot + 2}`);
  });
});
