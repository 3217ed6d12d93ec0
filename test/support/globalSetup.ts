/**
 * Once per test run: migrate a template database. Each test file clones it (fast), so runs
 * and files never share data. Everything this run created is dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateDatabase } from '../../src/db/migrate.js';
import { adminUrl, databaseUrl } from './db.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const template = `omnidesk_t_${runId}_tpl`;
  await migrateDatabase(databaseUrl(template));
  project.provide('runId', runId);
  project.provide('templateDb', template);
  return async () => {
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`omnidesk_t_${runId}_%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
    templateDb: string;
  }
}
