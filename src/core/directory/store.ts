/**
 * The desk configuration's versions (DeskConfigVersion): every change is a new row, the newest
 * is in force, older ones are history.
 *
 * At start the DESK_CONFIG file is compared with the newest version that came from that file
 * ("file:<path>"): an edited file becomes a new version (once), an unchanged one does not, so a
 * change made through the REST API survives a restart. Storing a version, and syncing teams,
 * agents and absences from it, run in one transaction under an advisory lock: two instances
 * starting at once store one version. A new version is announced over Redis; the other
 * instances reload it from PostgreSQL and put it in force (DeskSettings.replace).
 */
import { readFile } from 'node:fs/promises';
import type { Db } from '../../db/prisma.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import { DeskConfigError, parseDeskConfig, type DeskConfig } from '../deskConfig.js';
import type { DeskSettings } from '../deskSettings.js';
import type { DeskConfigFeed } from './feed.js';
import { syncDirectory } from './sync.js';

/** The advisory lock (pg_advisory_xact_lock(int, int)) every write of a version takes. */
const CONFIG_LOCK = [0x6f640003, 0] as const;

/** How an API change is named in the history; `api:<name>` when the caller says who they are. */
export const API_AUTHOR = 'api';

export interface VersionInfo {
  version: number;
  author: string;
  createdAt: Date;
}

export interface StoredVersion extends VersionInfo {
  yaml: string;
}

const info = { version: true, author: true, createdAt: true } as const;

export class DeskConfigStore {
  constructor(
    private readonly db: Db,
    private readonly settings: DeskSettings,
    private readonly file: string,
    private readonly log: Logger,
    private readonly feed: DeskConfigFeed | null = null,
  ) {}

  /** The name a version read from the file is stored under. */
  get fileAuthor(): string {
    return `file:${this.file}`;
  }

  /**
   * At start: stores the file as a new version if it changed since it was last stored, puts the
   * newest version in force and syncs the directory. Throws DeskConfigError (naming the line)
   * when the file is invalid.
   */
  async load(): Promise<VersionInfo> {
    const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new DeskConfigError(`${this.file}: cannot read the desk configuration (${err.code ?? err.message})`);
    });
    const { row, config, created } = await this.locked(async (tx) => {
      const fromFile = await tx.deskConfigVersion.findFirst({ where: { author: this.fileAuthor }, orderBy: { version: 'desc' }, select: { yaml: true } });
      const newest = await tx.deskConfigVersion.findFirst({ orderBy: { version: 'desc' } });
      if (newest && fromFile?.yaml === text) {
        const config = this.parseStored(newest);
        await syncDirectory(tx, config, config);
        return { row: newest, config, created: false };
      }
      const config = parseDeskConfig(text, this.file);
      const row = await tx.deskConfigVersion.create({ data: { yaml: text, author: this.fileAuthor } });
      await syncDirectory(tx, config, newest ? this.parseQuietly(newest) : null);
      return { row, config, created: true };
    });
    this.putInForce(config, row.version);
    if (created) {
      this.log.info({ version: row.version, file: this.file }, 'desk configuration: the file changed, stored as a new version');
      await this.feed?.publish(row.version);
    }
    return { version: row.version, author: row.author, createdAt: row.createdAt };
  }

  /**
   * Stores a new version (e.g. from PUT /api/v1/desk-config) and puts it in force everywhere.
   * Throws DeskConfigError naming the line and the problem when the text is invalid.
   */
  async save(yaml: string, author: string = API_AUTHOR): Promise<VersionInfo> {
    const config = parseDeskConfig(yaml, 'desk-config');
    const row = await this.locked(async (tx) => {
      const newest = await tx.deskConfigVersion.findFirst({ orderBy: { version: 'desc' } });
      const created = await tx.deskConfigVersion.create({ data: { yaml, author }, select: info });
      await syncDirectory(tx, config, newest ? this.parseQuietly(newest) : null);
      return created;
    });
    this.putInForce(config, row.version);
    this.log.info({ version: row.version, author }, 'desk configuration: new version stored');
    await this.feed?.publish(row.version);
    return row;
  }

  /** Puts the newest stored version in force if it is newer than the one in force (another instance stored it). */
  async reload(): Promise<boolean> {
    const newest = await this.db.deskConfigVersion.findFirst({ orderBy: { version: 'desc' } });
    if (!newest || newest.version <= (this.settings.version ?? 0)) return false;
    try {
      this.putInForce(this.parseStored(newest), newest.version);
      this.log.info({ version: newest.version }, 'desk configuration: reloaded a version stored by another instance');
      return true;
    } catch (err) {
      this.log.error({ err, version: newest.version }, 'desk configuration: the newest version does not validate; keeping the one in force');
      return false;
    }
  }

  /** Listens for versions stored by other instances. */
  async start(): Promise<void> {
    await this.feed?.start(() => {
      this.reload().catch((err: unknown) => this.log.error({ err }, 'desk configuration: reload failed'));
    });
  }

  async stop(): Promise<void> {
    await this.feed?.close();
  }

  /** The version in force, with its text. */
  async current(): Promise<StoredVersion | null> {
    const version = this.settings.version;
    if (version === null) return null;
    return this.db.deskConfigVersion.findUnique({ where: { version } });
  }

  /** One stored version. */
  async get(version: number): Promise<StoredVersion | null> {
    return this.db.deskConfigVersion.findUnique({ where: { version } });
  }

  /** The history, newest first. */
  async versions(limit = 100): Promise<VersionInfo[]> {
    return this.db.deskConfigVersion.findMany({ orderBy: { version: 'desc' }, take: limit, select: info });
  }

  /** Newer only: an announcement may arrive before this instance's own older write returns. */
  private putInForce(config: DeskConfig, version: number): void {
    if (this.settings.version !== null && version < this.settings.version) return;
    this.settings.replace(config, version);
  }

  private async locked<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CONFIG_LOCK[0]}::int, ${CONFIG_LOCK[1]}::int)`;
        return work(tx);
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
  }

  private parseStored(row: { version: number; author: string; yaml: string }): DeskConfig {
    try {
      return parseDeskConfig(row.yaml, `desk configuration version ${row.version} (${row.author})`);
    } catch (err) {
      throw new DeskConfigError(`${(err as Error).message}; store a valid version with PUT /api/v1/desk-config or edit ${this.file}`);
    }
  }

  /** A stored version as the baseline of a sync; one that no longer validates counts as none. */
  private parseQuietly(row: { version: number; author: string; yaml: string }): DeskConfig | null {
    try {
      return this.parseStored(row);
    } catch {
      return null;
    }
  }
}
