/** Settings (environment variables) and the desk configuration file: defaults, and errors that name the culprit. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { DeskConfigError, loadDeskConfig, parseDeskConfig } from '../src/core/deskConfig.js';

/** The error `fn` throws (fails the test if it throws nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, but none was thrown');
}

describe('loadConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('points PUBLIC_URL at this machine on PORT when it is not set', () => {
    expect(loadConfig({ PORT: '3999' }).PUBLIC_URL).toBe('http://localhost:3999');
    expect(loadConfig({ PORT: '3999', PUBLIC_URL: 'https://support.example.com' }).PUBLIC_URL).toBe('https://support.example.com');
  });

  it('gives every setting its default when the environment is empty', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      PUBLIC_URL: 'http://localhost:3000',
      LOG_LEVEL: 'info',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/omnidesk',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: 'omnidesk',
      DATA_DIR: '.data',
      DESK_CONFIG: 'config/desk.yaml',
      DELIVERY_MAX_ATTEMPTS: 15,
      DELIVERY_BACKOFF_MS: 1000,
      DELIVERY_MAX_BACKOFF_MS: 900_000,
      DELIVERY_CONCURRENCY: 8,
      DELIVERY_SWEEP_INTERVAL_MS: 30_000,
      DELIVERY_SWEEP_GRACE_MS: 10_000,
      OUTBOUND_TIMEOUT_MS: 10_000,
      WIDGET_ALLOWED_ORIGINS: '*',
      SERVE_DEMO: true,
    });
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(config.APP_SECRET).toBeUndefined();
    expect(config.API_CHANNEL_SECRET).toBeUndefined();
    expect(config.API_CHANNEL_WEBHOOK_URL).toBeUndefined();
  });

  it('parses the values it is given', () => {
    const config = loadConfig({
      PORT: '8080',
      SERVE_DEMO: 'no',
      DELIVERY_MAX_ATTEMPTS: '3',
      ADMIN_TOKEN: '  secret-token  ',
      APP_SECRET: '   ',
      API_CHANNEL_WEBHOOK_URL: 'https://example.com/hook',
      LOG_LEVEL: 'debug',
    });
    expect(config.PORT).toBe(8080);
    expect(config.SERVE_DEMO).toBe(false);
    expect(config.DELIVERY_MAX_ATTEMPTS).toBe(3);
    expect(config.ADMIN_TOKEN).toBe('secret-token');
    expect(config.APP_SECRET).toBeUndefined();
    expect(config.API_CHANNEL_WEBHOOK_URL).toBe('https://example.com/hook');
    expect(config.LOG_LEVEL).toBe('debug');
  });

  it('reads process.env when called with no argument', () => {
    vi.stubEnv('PORT', '4321');
    expect(loadConfig().PORT).toBe(4321);
    vi.stubEnv('PORT', 'abc');
    expect(() => loadConfig()).toThrow(/PORT/);
  });

  it('refuses PORT=abc with a ConfigError naming PORT and only PORT', () => {
    const err = thrown(() => loadConfig({ PORT: 'abc' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toMatch(/^Invalid configuration:/);
    expect(err.message).toMatch(/^\s+PORT: /m);
    expect(err.message.split('\n')).toHaveLength(2);
  });

  it('refuses a PORT outside 0..65535', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ PORT: '-1' })).toThrow(/PORT/);
    expect(() => loadConfig({ PORT: '80.5' })).toThrow(/PORT/);
  });

  it('takes a blank number (PORT= in an env file) as the default, not as 0', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
    expect(loadConfig({ DELIVERY_MAX_ATTEMPTS: ' ' }).DELIVERY_MAX_ATTEMPTS).toBe(15);
    expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
  });

  it('lists every bad setting in one error', () => {
    const err = thrown(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', DELIVERY_MAX_ATTEMPTS: '0', HOST: 'localhost' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^\s+PORT: /m);
    expect(err.message).toMatch(/^\s+LOG_LEVEL: /m);
    expect(err.message).toMatch(/^\s+DELIVERY_MAX_ATTEMPTS: /m);
    expect(err.message).not.toMatch(/HOST/);
  });

  it.each([
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', '127.0.0.1 6379'],
    ['PUBLIC_URL', 'example'],
    ['API_CHANNEL_WEBHOOK_URL', 'nope'],
    ['REDIS_PREFIX', 'has spaces'],
    ['NODE_ENV', 'staging'],
    ['SERVE_DEMO', 'maybe'],
    ['DELIVERY_SWEEP_INTERVAL_MS', '5'],
    ['OUTBOUND_TIMEOUT_MS', 'soon'],
  ])('refuses %s=%j, naming it', (name, value) => {
    const err = thrown(() => loadConfig({ [name]: value }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
  });

  it('requires ADMIN_TOKEN and APP_SECRET in production, naming the missing ones', () => {
    const both = thrown(() => loadConfig({ NODE_ENV: 'production' }));
    expect(both).toBeInstanceOf(ConfigError);
    expect(both.message).toContain('ADMIN_TOKEN');
    expect(both.message).toContain('APP_SECRET');
    expect(both.message).toContain('production');

    const one = thrown(() => loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: 'admin' }));
    expect(one.message).toContain('APP_SECRET');
    expect(one.message).not.toContain('ADMIN_TOKEN');

    // Blank counts as unset.
    const blank = thrown(() => loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: '  ', APP_SECRET: 'app' }));
    expect(blank.message).toContain('ADMIN_TOKEN');
    expect(blank.message).not.toContain('APP_SECRET');

    const config = loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: 'admin', APP_SECRET: 'app' });
    expect(config.NODE_ENV).toBe('production');
    expect(config.ADMIN_TOKEN).toBe('admin');
  });

  it('does not require the secrets outside production', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).ADMIN_TOKEN).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test' }).APP_SECRET).toBeUndefined();
  });
});

describe('loadDeskConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'omnidesk-desk-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function deskFile(name: string, text: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  }

  async function loadError(file: string): Promise<Error> {
    try {
      await loadDeskConfig(file);
    } catch (err) {
      return err as Error;
    }
    throw new Error(`expected ${file} to be refused`);
  }

  it('loads the sample desk configuration', async () => {
    const desk = await loadDeskConfig('config/desk.yaml');
    expect(desk.categories.map((c) => c.path)).toContain('orders');
    expect(desk.categories.find((c) => c.path === 'delivery')?.title).toEqual({ ru: 'Доставка', en: 'Delivery' });
  });

  it('loads a valid file and an empty one', async () => {
    const ok = await deskFile('ok.yaml', 'categories:\n  - path: support/hardware\n    title: { ru: Железо, en: Hardware }\n');
    expect((await loadDeskConfig(ok)).categories).toEqual([{ path: 'support/hardware', title: { ru: 'Железо', en: 'Hardware' }, keywords: [] }]);
    const empty = await deskFile('empty.yaml', '');
    expect((await loadDeskConfig(empty)).categories).toEqual([]);
  });

  it('names the file and the line of a YAML syntax error', async () => {
    const file = await deskFile('broken.yaml', 'categories:\n  - path: orders\n    title: { ru: Заказ, en: Order\n  - path: other\n');
    const err = await loadError(file);
    expect(err).toBeInstanceOf(DeskConfigError);
    expect(err.message.startsWith(`${file}:4: `)).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  it('names the line of a duplicate key', async () => {
    const file = await deskFile('dup.yaml', 'categories:\n  - path: orders\n    path: again\n    title: { ru: a, en: b }\n');
    const err = await loadError(file);
    expect(err).toBeInstanceOf(DeskConfigError);
    expect(err.message).toMatch(new RegExp(`^${escape(file)}:3: .*unique`));
  });

  it('names the line and the setting of a value that fails validation', async () => {
    const file = await deskFile(
      'invalid.yaml',
      'categories:\n  - path: orders\n    title: { ru: a, en: b }\n  - path: "bad path!"\n    title: { ru: a, en: b }\n',
    );
    const err = await loadError(file);
    expect(err).toBeInstanceOf(DeskConfigError);
    expect(err.message).toBe(`${file}:4: categories.1.path: a path like "support/hardware" (letters, digits, _ and -, parts joined by /)`);
  });

  it('names a missing translation', async () => {
    const file = await deskFile('no-en.yaml', 'categories:\n  - path: orders\n    title:\n      ru: Заказ\n');
    const err = await loadError(file);
    expect(err.message).toMatch(new RegExp(`^${escape(file)}:4: categories\\.0\\.title\\.en: `));
  });

  it('refuses a document that is not a mapping without an empty setting name', () => {
    const err = thrown(() => parseDeskConfig('just a string', 'desk.yaml'));
    expect(err).toBeInstanceOf(DeskConfigError);
    expect(err.message).toMatch(/^desk\.yaml:1: [^:]/);
  });

  it('loads the sample calendars and SLA policies', async () => {
    const desk = await loadDeskConfig('config/desk.yaml');
    expect(desk.calendars?.office?.timeZone).toBe('Europe/Moscow');
    expect(desk.sla?.find((p) => p.priority === 'normal' && !p.category)).toMatchObject({ calendar: 'office', firstResponse: 3 * 3_600_000, resolution: 24 * 3_600_000 });
  });

  it('names the line of a bad calendar, an unknown calendar and a bad duration', () => {
    const calendar = 'calendars:\n  office:\n    timeZone: Europe/Moscow\n    hours: { mon: ["09:00-17:00"] }\n';
    const badZone = thrown(() => parseDeskConfig('calendars:\n  office:\n    timeZone: Mars/Olympus\n    hours: { mon: ["09:00-17:00"] }\n', 'desk.yaml'));
    expect(badZone).toBeInstanceOf(DeskConfigError);
    expect(badZone.message).toMatch(/^desk\.yaml:3: calendars\.office: calendar "office": unknown time zone "Mars\/Olympus"/);
    const badHours = thrown(() => parseDeskConfig('calendars:\n  office:\n    timeZone: UTC\n    hours: { mon: ["09:00-13:00", "12:00-17:00"] }\n', 'desk.yaml'));
    expect(badHours.message).toMatch(/^desk\.yaml:3: .*overlap/);
    const unknown = thrown(() => parseDeskConfig(`${calendar}sla:\n  - priority: high\n    calendar: ofice\n    firstResponse: 1h\n    resolution: 8h\n`, 'desk.yaml'));
    expect(unknown.message).toBe('desk.yaml:7: sla.0.calendar: unknown calendar "ofice" (declared: office)');
    const duration = thrown(() => parseDeskConfig(`${calendar}sla:\n  - priority: high\n    firstResponse: soon\n    resolution: 8h\n`, 'desk.yaml'));
    expect(duration.message).toMatch(/^desk\.yaml:7: sla\.0\.firstResponse: a duration like/);
    const twice = thrown(() => parseDeskConfig('sla:\n  - { priority: low, firstResponse: 1h, resolution: 2h }\n  - { priority: low, firstResponse: 2h, resolution: 3h }\n', 'desk.yaml'));
    expect(twice.message).toMatch(/^desk\.yaml:3: sla\.1: a second policy for priority "low"/);
  });

  it('names the file when it does not exist', async () => {
    const file = path.join(dir, 'missing.yaml');
    const err = await loadError(file);
    expect(err.message).toContain(file);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
