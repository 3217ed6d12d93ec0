/** A tiny router over the History API: paths below /admin/, and a hook to follow them. */
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/admin';

function current(): { path: string; query: URLSearchParams } {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || '/' : '/';
  return { path: path.length > 1 ? path.replace(/\/$/, '') : path, query: new URLSearchParams(location.search) };
}

export function navigate(to: string, replace = false): void {
  const url = `${BASE}${to}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  dispatchEvent(new Event('od:navigate'));
}

export function useRoute() {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener('popstate', update);
    addEventListener('od:navigate', update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener('od:navigate', update);
    };
  }, []);
  return route;
}

/** Link clicks stay in the app (no page load); modified clicks open as usual. */
export function onLink(e: MouseEvent, to: string): void {
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(to);
}

/**
 * Where to go after sign-in: `next` (from ?next=) or else the page that was opened signed out,
 * when it is a same-origin path under /admin (never another site, nor /admin/login); else /admin/.
 * Returns a path with its query, starting with /admin.
 */
export function afterSignIn(...candidates: Array<string | null | undefined>): string {
  for (const candidate of candidates) {
    // Only a plain path: "//evil.example", "/\\evil.example" or "https://…" are other sites.
    if (!candidate || !candidate.startsWith('/') || candidate.startsWith('//') || candidate.includes('\\')) continue;
    let url: URL;
    try {
      url = new URL(candidate, location.origin);
    } catch {
      continue;
    }
    if (url.origin !== location.origin) continue;
    if (url.pathname !== BASE && !url.pathname.startsWith(`${BASE}/`)) continue;
    if (url.pathname === `${BASE}/login` || url.pathname === `${BASE}/login/`) continue;
    return `${url.pathname}${url.search}`;
  }
  return `${BASE}/`;
}
