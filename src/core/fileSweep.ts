/**
 * Deletes uploads that never became part of a message: a file a widget visitor attached and
 * never sent, one an agent stored with POST /api/v1/files and never put in a reply. A file is
 * kept while any message's attachments point at it (`url: /api/v1/files/<id>`, the only way
 * anything refers to a stored file); one nothing points at `ORPHAN_AFTER_MS` after it was stored
 * is deleted. Every instance sweeps on its own timer: a DELETE that finds the row gone deletes
 * nothing, so two sweeps at once do no harm.
 */
import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { fileUrl } from './files.js';
import { runPeriodically } from './periodic.js';

/** How long an upload may wait for its message: a visitor who leaves the tab open overnight still sends it. */
export const ORPHAN_AFTER_MS = 24 * 3_600_000;
/**
 * How far back past that a sweep looks: older files were looked at by earlier sweeps (the app
 * sweeps every hour), and checking every file ever stored, hourly, would grow with the archive.
 */
const LOOKBACK_MS = 7 * 24 * 3_600_000;
const BATCH = 200;

export class FileSweep {
  private stopTimer: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly options: { intervalMs: number },
  ) {}

  /** Sweeps now, then every interval. */
  start(): void {
    this.stopTimer ??= runPeriodically(() => this.sweep(), this.options.intervalMs, (err) => this.log.error({ err }, 'file sweep failed'));
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }

  /** Deletes the files stored in the week before `now - ORPHAN_AFTER_MS` that no message points at; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - ORPHAN_AFTER_MS);
    const since = new Date(cutoff.getTime() - LOOKBACK_MS);
    let total = 0;
    for (;;) {
      // A batch at a time, oldest first, so one sweep never holds a long lock; the GIN index on
      // Message.attachments answers each containment test.
      const deleted = await this.db.$executeRaw`
        DELETE FROM "StoredFile" WHERE "id" IN (
          SELECT f."id" FROM "StoredFile" f
          WHERE f."createdAt" < ${cutoff} AND f."createdAt" >= ${since}
            AND NOT EXISTS (SELECT 1 FROM "Message" m WHERE m."attachments" @> jsonb_build_array(jsonb_build_object('url', ${fileUrl('')} || f."id"::text)))
          ORDER BY f."createdAt"
          LIMIT ${BATCH})`;
      total += deleted;
      if (deleted < BATCH) break;
    }
    if (total) this.log.info({ count: total }, 'file sweep deleted uploads no message uses');
    return total;
  }
}
