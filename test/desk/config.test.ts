/**
 * The desk configuration's versions in PostgreSQL, on real PostgreSQL and Redis: the file becomes
 * version 1, the REST API adds versions (or answers 400 naming the line), a restart with the same
 * file keeps the newest version, an edited file wins once, and other instances pick up a new
 * version over Redis pub/sub. Teams, agents and absences follow the version in force.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix } from '../../src/redis.js';
import { dropDatabase } from '../support/db.js';
import { ADMIN_TOKEN, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

const V1 = `# v1
categories:
  - { path: orders, title: { ru: Заказ, en: Orders }, team: support }
teams:
  - { name: support, strategy: round-robin }
agents:
  - { handle: anna, name: Anna, email: anna@shop.example, teams: [support], capacity: 5 }
  - handle: boris
    name: Boris
    teams: [support]
    absences:
      - { from: "2030-01-01", to: "2030-01-10", reason: vacation }
`;

const V2 = `# v2: a second team, Boris leaves, Vera joins, Anna's capacity grows
categories:
  - { path: orders, title: { ru: Заказ, en: Orders }, team: support }
teams:
  - { name: support, strategy: least-loaded }
  - { name: billing, strategy: pool }
agents:
  - { handle: anna, name: Anna S., teams: [support, billing], capacity: 8, availability: online }
  - { handle: vera, name: Vera, teams: [billing], availability: away }
`;

// Line 6: an agent in a team nobody declared.
const INVALID = `categories: []
teams:
  - { name: support }
agents:
  - handle: anna
    name: Anna
    teams: [support, nowhere]
`;

let dir: string;
let file: string;
let a: TestGateway;
const others: TestGateway[] = [];
let stoppedA = false;

/** Another instance on A's database and Redis namespace, reading `file`. */
const instance = () => startTestGateway({ DESK_CONFIG: file }, { databaseUrl: a.databaseUrl, redisPrefix: a.redisPrefix }).then((g) => (others.push(g), g));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'omnidesk-desk-'));
  file = path.join(dir, 'desk.yaml');
  await writeFile(file, V1);
  a = await startTestGateway({ DESK_CONFIG: file });
});

afterAll(async () => {
  for (const g of others) await g.gateway.stop().catch(() => undefined);
  if (!stoppedA) await a?.gateway.stop();
  if (a) {
    await dropDatabase(a.databaseUrl);
    await deleteKeysWithPrefix(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', a.redisPrefix);
  }
  await rm(dir, { recursive: true, force: true });
});

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

const putYaml = (gw: TestGateway, yaml: string) =>
  fetch(`${gw.baseUrl}/api/v1/desk-config`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/yaml' }, body: yaml });

interface ConfigJson {
  version: number;
  author: string;
  yaml: string;
  config: { teams: Array<{ name: string; strategy: string }>; agents: Array<{ handle: string }> };
}
interface AgentJson {
  handle: string;
  name: string;
  active: boolean;
  availability: string;
  teams: string[];
  capacity: number | null;
  absences: Array<{ id: string; from: string; to: string; reason: string | null }>;
}
const agents = async (gw: TestGateway) => (await json<{ agents: AgentJson[] }>(await gw.api('GET', '/agents'))).agents;

describe('desk configuration versions', () => {
  it('stores the file as version 1 and syncs its teams, agents and absences', async () => {
    const current = await json<ConfigJson>(await a.api('GET', '/desk-config'));
    expect(current).toMatchObject({ version: 1, author: `file:${file}`, yaml: V1 });
    expect(current.config.agents.map((x) => x.handle)).toEqual(['anna', 'boris']);
    const list = await agents(a);
    expect(list.find((x) => x.handle === 'anna')).toMatchObject({ active: true, availability: 'online', teams: ['support'], capacity: 5 });
    expect(list.find((x) => x.handle === 'boris')?.absences).toEqual([expect.objectContaining({ from: '2030-01-01T00:00:00.000Z', to: '2030-01-10T00:00:00.000Z', reason: 'vacation' })]);
  });

  it('PUT with YAML stores version 2 and puts it in force; availability stays agent state', async () => {
    // Set at runtime: a new version must not reset it.
    await json(await a.api('PATCH', '/agents/anna', { availability: 'away' }));
    // An absence added through the API survives versions that do not mention it.
    await json(await a.api('POST', '/agents/anna/absences', { from: '2031-05-01', to: '2031-05-03', reason: 'dentist' }), 201);
    expect(await json(await putYaml(a, V2), 201)).toMatchObject({ version: 2, author: 'api' });
    expect(a.gateway.settings.version).toBe(2);
    expect(a.gateway.settings.current.teams.map((x) => x.name)).toEqual(['support', 'billing']);
    const list = await agents(a);
    expect(list.find((x) => x.handle === 'anna')).toMatchObject({ name: 'Anna S.', availability: 'away', teams: ['billing', 'support'], capacity: 8, active: true });
    expect(list.find((x) => x.handle === 'anna')?.absences.map((x) => x.reason)).toEqual(['dentist']);
    // A new agent starts with the file's availability; a removed one is kept, inactive, without teams.
    expect(list.find((x) => x.handle === 'vera')).toMatchObject({ availability: 'away', teams: ['billing'], active: true });
    expect(list.find((x) => x.handle === 'boris')).toMatchObject({ active: false, teams: [], absences: [] });
    const team = await a.gateway.db.team.findUniqueOrThrow({ where: { name: 'support' } });
    expect(team.strategy).toBe('least-loaded');
  });

  it('refuses an invalid configuration with 400 naming the line and the problem, and stores nothing', async () => {
    const bad = await json<{ error: string; message: string; line: number }>(await putYaml(a, INVALID), 400);
    expect(bad).toMatchObject({ error: 'invalid_config', line: 7 });
    expect(bad.message).toMatch(/agents\.0\.teams\.1: unknown team "nowhere"/);
    const syntax = await json<{ line: number; message: string }>(await putYaml(a, 'teams:\n  - { name: x\nagents: []\n'), 400);
    expect(syntax.line).toBeGreaterThanOrEqual(2);
    const empty = await json<{ message: string }>(await a.api('PUT', '/desk-config', { yaml: '' }), 400);
    expect(empty.message).toMatch(/yaml/);
    expect((await json<ConfigJson>(await a.api('GET', '/desk-config'))).version).toBe(2);
  });

  it('PUT with JSON {yaml, author} stores version 3; the history lists every version', async () => {
    const v3 = V2.replace('# v2', '# v3');
    expect(await json(await a.api('PUT', '/desk-config', { yaml: v3, author: 'olga' }), 201)).toMatchObject({ version: 3, author: 'api:olga' });
    const { versions } = await json<{ versions: Array<{ version: number; author: string; current: boolean }> }>(await a.api('GET', '/desk-config/versions'));
    expect(versions.map((v) => [v.version, v.author, v.current])).toEqual([[3, 'api:olga', true], [2, 'api', false], [1, `file:${file}`, false]]);
    expect(await json(await a.api('GET', '/desk-config/versions/1'))).toMatchObject({ version: 1, yaml: V1, current: false });
    expect((await a.api('GET', '/desk-config/versions/99')).status).toBe(404);
  });

  it('another instance picks up a new version over Redis pub/sub', async () => {
    const b = await instance();
    // Same file, unchanged since version 1: B starts with the newest version, stores none.
    expect(b.gateway.settings.version).toBe(3);
    const v4 = V2.replace('# v2', '# v4').replace('strategy: pool', 'strategy: round-robin');
    expect(await json(await putYaml(a, v4), 201)).toMatchObject({ version: 4 });
    await eventually(() => b.gateway.settings.version === 4, 10_000, 'instance B to reload version 4');
    expect(b.gateway.settings.current.teams.find((x) => x.name === 'billing')?.strategy).toBe('round-robin');
    expect((await json<ConfigJson>(await b.api('GET', '/desk-config'))).yaml).toBe(v4);
    await b.gateway.stop();
    others.splice(others.indexOf(b), 1);
  });

  it('a restart with the same file keeps the version stored through the API', async () => {
    await a.gateway.stop();
    stoppedA = true;
    const c = await instance();
    expect(c.gateway.settings.version).toBe(4);
    expect(await a.gateway.db.deskConfigVersion.count()).toBe(4);
    expect((await json<ConfigJson>(await c.api('GET', '/desk-config'))).config.teams.map((x) => x.name)).toEqual(['support', 'billing']);
    await c.gateway.stop();
    others.splice(others.indexOf(c), 1);
  });

  it('an edited file wins once: two instances starting at once store one version', async () => {
    const edited = `${V1}\n# edited\n`;
    await writeFile(file, edited);
    const [d, e] = await Promise.all([instance(), instance()]);
    const rows = await d.gateway.db.deskConfigVersion.findMany({ orderBy: { version: 'asc' } });
    expect(rows).toHaveLength(5);
    expect(rows[4]).toMatchObject({ version: 5, author: `file:${file}`, yaml: edited });
    expect([d.gateway.settings.version, e.gateway.settings.version]).toEqual([5, 5]);
    // Boris is back (he is in the file again); Vera, whom the file lacks, is deactivated.
    const list = await agents(d);
    expect(list.find((x) => x.handle === 'boris')).toMatchObject({ active: true, teams: ['support'] });
    expect(list.find((x) => x.handle === 'vera')).toMatchObject({ active: false });
    // Restarting again with that file stores nothing new.
    const f = await instance();
    expect(f.gateway.settings.version).toBe(5);
    expect(await f.gateway.db.deskConfigVersion.count()).toBe(5);
  });

  it('refuses to start with an invalid file, naming the file and the line', async () => {
    const broken = path.join(dir, `broken-${randomBytes(3).toString('hex')}.yaml`);
    await writeFile(broken, INVALID);
    await expect(startTestGateway({ DESK_CONFIG: broken }, { databaseUrl: a.databaseUrl, redisPrefix: a.redisPrefix })).rejects.toThrow(
      new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7: agents\\.0\\.teams\\.1: unknown team "nowhere"`),
    );
  });
});
