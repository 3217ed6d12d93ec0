/** Waits that grow with each failure in a row (with jitter), and a sleep that `stop` can cut short. */
import { setTimeout as sleepFor } from 'node:timers/promises';

export function backoffMs(failures: number, minMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, minMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await sleepFor(ms, undefined, { signal }).catch(() => undefined);
}
