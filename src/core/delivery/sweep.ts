/**
 * Re-queues committed-but-undelivered messages. PostgreSQL is the truth: if Redis lost its
 * queues (a restart without persistence, a FLUSHALL), every message (and agent's edit) still
 * `queued` in the database is queued again. Job ids are message (edit) ids, so live jobs are not duplicated.
 */
import type { Db } from '../../db/prisma.js';
import type { Logger } from '../../logger.js';
import { runPeriodically } from '../periodic.js';
import type { DeliveryQueue } from './queue.js';

const BATCH = 500;

export class DeliverySweep {
  private stopTimer: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly queue: DeliveryQueue,
    private readonly log: Logger,
    private readonly options: { intervalMs: number; graceMs: number },
  ) {}

  /** Sweeps now, then every interval. */
  start(): void {
    this.stopTimer ??= runPeriodically(() => this.sweep(), this.options.intervalMs, (err) => this.log.error({ err }, 'delivery sweep failed'));
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }

  /** Queues every message left `queued` for longer than the grace period; returns how many. */
  async sweep(): Promise<number> {
    let total = 0;
    let afterSeq = -1n;
    for (;;) {
      const stranded = await this.db.message.findMany({
        where: { deliveryState: 'queued', createdAt: { lt: new Date(Date.now() - this.options.graceMs) }, seq: { gt: afterSeq } },
        orderBy: { seq: 'asc' },
        take: BATCH,
        select: { id: true, seq: true },
      });
      if (!stranded.length) break;
      await this.queue.enqueue(stranded.map((m) => m.id));
      total += stranded.length;
      afterSeq = stranded[stranded.length - 1]!.seq;
      if (stranded.length < BATCH) break;
    }
    // Agents' edits waiting to reach the customer's platform (./edits.ts), by the same rule.
    const edits = await this.db.messageEdit.findMany({
      where: { deliveryState: 'queued', createdAt: { lt: new Date(Date.now() - this.options.graceMs) } },
      orderBy: { createdAt: 'asc' },
      take: BATCH,
      select: { id: true, messageId: true },
    });
    await this.queue.enqueueEdits(edits.map((e) => ({ editId: e.id, messageId: e.messageId })));
    total += edits.length;
    if (total) this.log.info({ count: total }, 'delivery sweep re-queued messages');
    return total;
  }
}
