/**
 * Work per ticket on this instance, one run at a time, with kicks coalesced: a kick while the
 * ticket's run is under way asks for one more run after it (its flags merged), never for a queue
 * of them. A burst of fifty customer messages is thus one or two pumps, not fifty. Only the
 * "again" flags live here; what the work acts on is read from PostgreSQL each run.
 */
export class KeyedRunner<F extends string> {
  private readonly state = new Map<string, { again: boolean; flags: Set<F> }>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly work: (key: string, flags: ReadonlySet<F>) => Promise<void>,
    private readonly onError: (err: unknown, key: string) => void,
  ) {}

  /** Runs the work for `key` now, or once more after the run under way. */
  kick(key: string, flag?: F): void {
    const known = this.state.get(key);
    if (known) {
      known.again = true;
      if (flag) known.flags.add(flag);
      return;
    }
    const entry = { again: false, flags: new Set<F>(flag ? [flag] : []) };
    this.state.set(key, entry);
    const run = (async () => {
      for (;;) {
        const flags = entry.flags;
        entry.flags = new Set();
        entry.again = false;
        await this.work(key, flags).catch((err: unknown) => this.onError(err, key));
        if (!entry.again) break;
      }
      this.state.delete(key);
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Resolves once no run is under way (runs kicked meanwhile included). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}
