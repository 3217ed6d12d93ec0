/**
 * Per-key ordering inside one process: work queued under a key runs after the work queued
 * before it under the same key, and work under different keys runs side by side. Listeners use
 * it so that the events of one ticket are handled in the order they were published. (Across
 * instances, ordering comes from database row locks; this only keeps one process tidy.)
 */
export class PerKeySerial {
  private readonly chains = new Map<string, Promise<void>>();

  /** Runs `work` after the work queued before it under `key`; settles as `work` does. */
  run(key: string, work: () => Promise<unknown>): Promise<void> {
    const run = (this.chains.get(key) ?? Promise.resolve()).then(work).then(() => undefined);
    const tail = run.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }

  /** Resolves once nothing is queued under any key (work queued meanwhile is waited for too). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.allSettled([...this.chains.values()]);
  }
}
