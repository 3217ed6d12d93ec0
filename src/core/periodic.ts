/**
 * Runs a task now and then again `intervalMs` after each run ends (never two at once on this
 * instance), until stopped. The timer does not keep the process alive.
 */
export function runPeriodically(task: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = (): void => {
    task()
      .catch(onError)
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(tick, intervalMs);
        timer.unref();
      });
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
