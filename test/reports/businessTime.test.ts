/**
 * Business time in SQL (src/reports/businessTime.ts) must agree with BusinessCalendar.between to
 * the millisecond: across closed days, holidays, split shifts and DST changes, in JavaScript
 * and in PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseDeskConfig } from '../../src/core/deskConfig.js';
import { DeskSettings } from '../../src/core/deskSettings.js';
import { BusinessCalendar } from '../../src/core/sla/calendar.js';
import { createDb } from '../../src/db/prisma.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import { BusinessTimePlan, cumulativeAt, cumulativeTable } from '../../src/reports/businessTime.js';
import { adminUrl } from '../support/db.js';

const berlin = BusinessCalendar.parse({
  name: 'berlin',
  timeZone: 'Europe/Berlin',
  // 02:00-03:00 vanishes on spring-forward day; 01:00-04:00 holds one hour more in autumn.
  hours: { mon: ['01:00-04:00', '09:00-13:00', '14:00-18:00'], tue: ['09:00-18:00'], sat: ['10:00-12:00'], sun: ['00:00-24:00'] },
  holidays: ['12-25', '2025-04-21'],
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const from = Date.parse('2025-01-01T00:00:00Z');
const to = Date.parse('2026-01-01T00:00:00Z');

describe('cumulative tables', () => {
  it('give between() for any two instants of the window', () => {
    const table = cumulativeTable(berlin, from, to);
    const next = random(7);
    for (let i = 0; i < 2000; i++) {
      const a = Math.floor(from + next() * (to - from));
      // Mostly short spans (hours to days), some long ones, some inverted; all inside the window.
      const b = Math.min(to, Math.floor(a + (next() < 0.8 ? next() * 4 * 86_400_000 : (next() - 0.2) * 120 * 86_400_000)));
      const expected = berlin.between(new Date(a), new Date(b));
      expect(Math.max(cumulativeAt(table, b) - cumulativeAt(table, a), 0), `${new Date(a).toISOString()} → ${new Date(b).toISOString()}`).toBe(expected);
    }
  });

  it('are cached per calendar and grown for a wider window', () => {
    const first = cumulativeTable(berlin, from, to);
    expect(cumulativeTable(berlin, from + 86_400_000, to - 86_400_000)).toBe(first);
    const wider = cumulativeTable(berlin, from - 30 * 86_400_000, to);
    expect(wider).not.toBe(first);
    expect(wider.starts.length).toBeGreaterThan(first.starts.length);
  });
});

describe('business time in PostgreSQL', () => {
  const db = createDb(adminUrl(), 2);
  afterAll(async () => {
    await db.$disconnect();
  });

  it('matches between() per policy calendar, and counts wall-clock time without a known policy', async () => {
    const settings = new DeskSettings(
      parseDeskConfig(
        `
calendars:
  berlin:
    timeZone: Europe/Berlin
    hours: { mon: ["01:00-04:00", "09:00-13:00", "14:00-18:00"], tue: ["09:00-18:00"], sat: ["10:00-12:00"], sun: ["00:00-24:00"] }
    holidays: ["12-25", "2025-04-21"]
sla:
  - { priority: normal, calendar: berlin, firstResponse: 1h, resolution: 8h }
  - { priority: high, firstResponse: 1h, resolution: 8h }
`,
        'test',
      ),
    );
    const next = random(11);
    const rows = Array.from({ length: 300 }, (_, i) => {
      const a = Math.floor(from + next() * (to - from - 10 * 86_400_000));
      const b = Math.floor(a + next() * 10 * 86_400_000);
      return { policy: ['normal', 'high', 'gone', null][i % 4] ?? null, a, b };
    });
    const plan = BusinessTimePlan.build(settings, from, to);
    const values = Prisma.join(rows.map((r, i) => Prisma.sql`(${i}, ${r.policy}::text, ${r.a}::float8, ${r.b}::float8)`));
    const result = await db.$queryRaw<Array<{ i: number; ms: number }>>(Prisma.sql`
      SELECT v.i, ${plan.between(Prisma.raw('v.policy'), Prisma.raw('v.a'), Prisma.raw('v.b'))} AS ms
      FROM (VALUES ${values}) AS v(i, policy, a, b) ${plan.fromItem()}
      ORDER BY v.i`);
    expect(result).toHaveLength(rows.length);
    for (const { i, ms } of result) {
      const r = rows[i]!;
      const expected = r.policy === 'normal' ? berlin.between(new Date(r.a), new Date(r.b)) : r.b - r.a;
      expect(ms, `row ${i} (${r.policy})`).toBe(expected);
    }

    // The layered form the reports use (group, then locate each instant, then betweenLocated) gives the same.
    const g = Prisma.raw('v.g');
    const layered = await db.$queryRaw<Array<{ i: number; ms: number }>>(Prisma.sql`
      SELECT w.i, ${plan.betweenLocated(Prisma.raw('w.g'), Prisma.raw('w.a'), Prisma.raw('w.b'), Prisma.raw('w.ia'), Prisma.raw('w.ib'))} AS ms
      FROM (SELECT v.*, ${plan.locate(g, Prisma.raw('v.a'))} AS ia, ${plan.locate(g, Prisma.raw('v.b'))} AS ib
            FROM (SELECT v.*, ${plan.group(Prisma.raw('v.policy'))} AS g FROM (VALUES ${values}) AS v(i, policy, a, b) OFFSET 0) v ${plan.fromItem()}
            OFFSET 0) w ${plan.fromItem()}
      ORDER BY w.i`);
    expect(layered).toEqual(result);
  });
});
