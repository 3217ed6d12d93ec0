/**
 * Live refresh: the gateway's event stream (`GET /api/v1/live`, src/http/live.ts) names the
 * tickets and messages that just changed, and a page refetches when one it shows is named. One
 * stream serves the whole app. A slow poll stays as the safety net for a dropped stream.
 */
import { useEffect, useRef } from 'preact/hooks';

/** What the stream says changed. */
export interface LiveChange {
  tickets: number[];
  messages: string[];
}

/** A change, or `resync`: changes may have been missed (a reconnect), refetch. */
type LiveHandler = (change: LiveChange | 'resync') => void;

/** Changes arriving together make one refetch. */
const DEBOUNCE_MS = 150;
/** The poll behind the stream. */
const FALLBACK_POLL_MS = 30_000;

const handlers = new Set<LiveHandler>();
let source: EventSource | null = null;

function emit(change: LiveChange | 'resync'): void {
  for (const handler of handlers) handler(change);
}

function subscribe(handler: LiveHandler): () => void {
  handlers.add(handler);
  if (!source && typeof EventSource !== 'undefined') {
    const stream = new EventSource('/api/v1/live');
    let dropped = false;
    stream.addEventListener('change', (e) => {
      try {
        emit(JSON.parse((e as MessageEvent<string>).data) as LiveChange);
      } catch {
        // A frame we cannot read: the poll catches up.
      }
    });
    stream.addEventListener('resync', () => emit('resync'));
    stream.addEventListener('error', () => {
      dropped = true;
    });
    // The browser reconnects by itself; what happened meanwhile was not told.
    stream.addEventListener('open', () => {
      if (dropped) emit('resync');
      dropped = false;
    });
    source = stream;
  }
  return () => {
    handlers.delete(handler);
    if (handlers.size === 0 && source) {
      source.close();
      source = null;
    }
  };
}

/**
 * Calls `load` now, again whenever the stream names a change `matches` accepts, and every
 * FALLBACK_POLL_MS. A tab in the background loads when it comes back, not before. `matches` may
 * read the page's latest state: the newest one given is used.
 */
export function useLiveRefresh(load: () => unknown, matches: (change: LiveChange) => boolean, deps: unknown[]): void {
  const latest = useRef({ load, matches });
  latest.current = { load, matches };
  useEffect(() => {
    let stale = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = (): void => {
      if (document.visibilityState === 'visible') void latest.current.load();
      else stale = true;
    };
    const onVisible = (): void => {
      if (document.visibilityState === 'visible' && stale) {
        stale = false;
        void latest.current.load();
      }
    };
    void latest.current.load();
    const off = subscribe((change) => {
      if (change !== 'resync' && !latest.current.matches(change)) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, DEBOUNCE_MS);
    });
    const poll = setInterval(refresh, FALLBACK_POLL_MS);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      off();
      clearInterval(poll);
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, deps);
}
