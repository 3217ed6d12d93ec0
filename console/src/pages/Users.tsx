/** Console users (admins): add one (the generated password is shown once), change roles, deactivate, remove. */
import { useEffect, useState } from 'preact/hooks';
import { api, get, type Me, type Role } from '../api';
import { formatDate, roleLabel, t } from '../i18n';

interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  agent: { handle: string; name: string } | null;
  createdAt: string;
}

const ROLES: Role[] = ['admin', 'agent', 'viewer'];

function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(15));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
}

export function Users({ me }: { me: Me }) {
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [draft, setDraft] = useState({ email: '', name: '', role: 'agent' as Role, agent: '' });

  const load = () => get<{ users: User[] }>('/users').then((r) => setUsers(r.users), (err: Error) => setError(err.message));
  useEffect(() => {
    void load();
  }, []);

  const run = async (what: () => Promise<string | void>) => {
    setNotice('');
    try {
      const done = await what();
      setError('');
      if (done) setNotice(done);
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const add = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const res = await api<{ password: string }>('POST', '/users', {
        email: draft.email,
        role: draft.role,
        ...(draft.name ? { name: draft.name } : {}),
        ...(draft.agent ? { agent: draft.agent } : {}),
      });
      setDraft({ email: '', name: '', role: 'agent', agent: '' });
      return `${draft.email}: ${t('passwordOnce', { p: res.password })}`;
    });
  };

  return (
    <div class="users">
      <h2>{t('users')}</h2>
      {error && <p class="error">{error}</p>}
      {notice && (
        <p class="notice" data-testid="users-notice">
          {notice}
        </p>
      )}
      <form class="card row wrap" onSubmit={add} data-testid="user-form">
        <input type="email" required placeholder={t('email')} value={draft.email} onInput={(e) => setDraft({ ...draft, email: e.currentTarget.value })} />
        <input placeholder={t('name')} value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
        <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.currentTarget.value as Role })}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {roleLabel(r)}
            </option>
          ))}
        </select>
        <input placeholder={`${t('agent')} (@handle)`} value={draft.agent} onInput={(e) => setDraft({ ...draft, agent: e.currentTarget.value })} />
        <button>{t('newUser')}</button>
      </form>
      <table class="form-table card" data-testid="user-table">
        <thead>
          <tr>
            <th>{t('email')}</th>
            <th>{t('name')}</th>
            <th>{t('role')}</th>
            <th>{t('agent')}</th>
            <th>{t('active')}</th>
            <th class="wide">{t('updated')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-testid="user-row" class={u.active ? '' : 'muted'}>
              <td>{u.email}</td>
              <td>{u.name}</td>
              <td>
                <select value={u.role} onChange={(e) => run(() => api('PATCH', `/users/${u.id}`, { role: e.currentTarget.value }).then(() => t('saved')))}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {roleLabel(r)}
                    </option>
                  ))}
                </select>
              </td>
              <td>{u.agent ? `@${u.agent.handle}` : '—'}</td>
              <td>{u.active ? '✓' : '✕'}</td>
              <td class="wide">{formatDate(u.createdAt)}</td>
              <td class="actions">
                <button
                  class="link"
                  onClick={() =>
                    run(async () => {
                      const password = randomPassword();
                      await api('PATCH', `/users/${u.id}`, { password });
                      return `${u.email}: ${t('passwordOnce', { p: password })}`;
                    })
                  }
                >
                  {t('resetPassword')}
                </button>
                {u.id !== me.id && (
                  <>
                    <button class="link" onClick={() => run(() => api('PATCH', `/users/${u.id}`, { active: !u.active }).then(() => t('saved')))}>
                      {u.active ? t('deactivate') : t('activate')}
                    </button>
                    <button class="link danger" onClick={() => confirm(`${t('remove')} ${u.email}?`) && run(() => api('DELETE', `/users/${u.id}`))}>
                      {t('remove')}
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
