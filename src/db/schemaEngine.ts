/**
 * Prisma's schema engine, loaded from its WebAssembly build.
 *
 * Prisma's CLI downloads a native `schema-engine` binary on first use, which fails on hosts
 * that reach only the npm registry. The same engine ships on npm as WebAssembly; with it we
 * apply and create ordinary Prisma migrations (`prisma/migrations/*\/migration.sql`) that
 * `prisma migrate deploy` would read just the same.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

const require = createRequire(import.meta.url);

type EngineModule = { SchemaEngine: typeof SchemaEngine };
let engineModule: Promise<EngineModule> | undefined;

/** Instantiates the wasm module once per process (its ESM entry imports a .wasm file, which Node 20 refuses). */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bg = (await import(bgPath)) as Record<string, unknown> & EngineModule & { __wbg_set_wasm(exports: unknown): void };
    const bytes = await readFile(path.join(path.dirname(bgPath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg as WebAssembly.ModuleImports });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
    return bg;
  })();
  return engineModule;
}

/** Remembers the connections the engine opens: freeing the engine does not close them. */
class TrackedPg extends PrismaPg {
  private readonly opened: Array<{ dispose(): Promise<void> }> = [];

  override async connect() {
    const adapter = await super.connect();
    this.opened.push(adapter);
    return adapter;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.opened.splice(0).map((a) => a.dispose()));
  }
}

export interface OpenEngine {
  engine: SchemaEngine;
  /** Frees the engine and closes its database connections. */
  close(): Promise<void>;
}

/** A schema engine bound to one database, with the given schema as its datamodel. */
export async function openSchemaEngine(databaseUrl: string, schemaFiles: Array<[string, string]>): Promise<OpenEngine> {
  const { SchemaEngine: Engine } = await loadEngineModule();
  const pg = new TrackedPg({ connectionString: databaseUrl });
  const log = (): void => {};
  const engine = await Engine.new({ datamodels: schemaFiles }, log, bindMigrationAwareSqlAdapterFactory(pg));
  return {
    engine,
    async close() {
      engine.free();
      await pg.closeAll();
    },
  };
}
