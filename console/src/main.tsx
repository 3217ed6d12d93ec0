/** The console's shell: who is signed in, the navigation their role allows, and the page. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { signOut, whenSignedOut, whoAmI, type Me, type Role } from './api';
import { roleLabel, setLang, t, useLang, type Key } from './i18n';
import { afterSignIn, BASE, navigate, onLink, useRoute } from './router';
import { Channels } from './pages/Channels';
import { Config } from './pages/Config';
import { Dashboard } from './pages/Dashboard';
import { Inbox } from './pages/Inbox';
import { Kb } from './pages/Kb';
import { Login } from './pages/Login';
import { Ticket } from './pages/Ticket';
import { Users } from './pages/Users';
import './style.css';

interface NavItem {
  to: string;
  label: Key;
  roles: Role[];
}

const NAV: NavItem[] = [
  { to: '/', label: 'dashboard', roles: ['admin', 'agent', 'viewer'] },
  { to: '/inbox', label: 'inbox', roles: ['admin', 'agent'] },
  { to: '/kb', label: 'kb', roles: ['admin', 'agent'] },
  { to: '/config', label: 'config', roles: ['admin'] },
  { to: '/channels', label: 'channels', roles: ['admin'] },
  { to: '/users', label: 'users', roles: ['admin'] },
];

/** The roles that may open a path (the server checks the API behind it too). */
function rolesFor(path: string): Role[] {
  if (path.startsWith('/tickets/')) return ['admin', 'agent'];
  return NAV.find((n) => n.to !== '/' && path.startsWith(n.to))?.roles ?? ['admin', 'agent', 'viewer'];
}

function App() {
  useLang();
  const route = useRoute();
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  useEffect(() => {
    whenSignedOut(() => setMe(null));
    whoAmI().then(setMe, () => setMe(null));
  }, []);

  useEffect(() => {
    if (me && route.path === '/login') navigate('/', true);
  }, [me, route.path]);

  if (me === undefined) return <p class="centered">{t('loading')}</p>;
  if (me === null) {
    return (
      <Login
        onSignedIn={(user) => {
          setMe(user);
          // Back to the page asked for: ?next= (the server's redirect), else the deep link itself.
          const next = afterSignIn(route.query.get('next'), route.path === '/login' ? null : `${BASE}${route.path}${location.search}`);
          // bull-board is a page of its own, outside the app.
          if (next === `${BASE}/queues` || next.startsWith(`${BASE}/queues/`) || next.startsWith(`${BASE}/queues?`)) location.assign(next);
          else navigate(next.slice(BASE.length) || '/', true);
        }}
      />
    );
  }

  const allowed = rolesFor(route.path).includes(me.role);
  let page;
  if (!allowed) page = <p class="notice" data-testid="forbidden">{t('forbidden')}</p>;
  else if (route.path === '/') page = <Dashboard />;
  else if (route.path === '/inbox') page = <Inbox query={route.query} me={me} />;
  else if (route.path.startsWith('/tickets/')) {
    // Keyed by number: another ticket is a new page, so nothing typed for one (a reply, a merge target) stays for the next.
    const number = Number(route.path.split('/')[2]);
    page = <Ticket key={number} number={number} me={me} />;
  }
  else if (route.path === '/kb' || route.path.startsWith('/kb/')) page = <Kb me={me} selected={route.path.split('/')[2]} />;
  else if (route.path === '/config') page = <Config />;
  else if (route.path === '/channels') page = <Channels />;
  else if (route.path === '/users') page = <Users me={me} />;
  else page = <p class="notice">{t('notFound')}</p>;

  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="/admin/" onClick={(e) => onLink(e, '/')}>
          {t('appName')}
        </a>
        <nav data-testid="nav">
          {NAV.filter((n) => n.roles.includes(me.role)).map((n) => (
            <a
              key={n.to}
              href={`/admin${n.to === '/' ? '/' : n.to}`}
              data-testid={`nav-${n.label}`}
              class={(n.to === '/' ? route.path === '/' : route.path.startsWith(n.to)) ? 'active' : ''}
              onClick={(e) => onLink(e, n.to)}
            >
              {t(n.label)}
            </a>
          ))}
          {me.role === 'admin' && (
            <a href="/admin/queues" data-testid="nav-queues">
              {t('queues')}
            </a>
          )}
        </nav>
        <div class="who">
          <button class="link" data-testid="lang-switch" onClick={() => setLang(document.documentElement.lang === 'ru' ? 'en' : 'ru')}>
            {t('language')}
          </button>
          <span data-testid="me">
            {me.name} · {roleLabel(me.role)}
          </span>
          <button
            class="link"
            data-testid="sign-out"
            onClick={async () => {
              await signOut();
              setMe(null);
              navigate('/login', true);
            }}
          >
            {t('signOut')}
          </button>
        </div>
      </header>
      <main>{page}</main>
    </div>
  );
}

setLang((localStorage.getItem('od.console.lang') as 'en' | 'ru' | null) ?? (navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en'));
render(<App />, document.getElementById('app')!);
