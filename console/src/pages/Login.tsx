/** Sign-in with email and password. */
import { useState } from 'preact/hooks';
import { ApiError, signIn, type Me } from '../api';
import { setLang, t } from '../i18n';

export function Login({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(email, password));
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) setError(t('tooManyAttempts', { s: Math.ceil(Number(/(\d+) s/.exec(err.message)?.[1] ?? 60)) }));
      else if (err instanceof ApiError && err.status === 401) setError(t('wrongCredentials'));
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="login card" onSubmit={submit} data-testid="login-form">
      <h1>{t('appName')}</h1>
      <label>
        {t('email')}
        <input type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <label>
        {t('password')}
        <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      {error && (
        <p class="error" data-testid="login-error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy} data-testid="login-submit">
        {t('signIn')}
      </button>
      <p class="langs">
        <button type="button" class="link" onClick={() => setLang('ru')}>
          Русский
        </button>{' '}
        ·{' '}
        <button type="button" class="link" onClick={() => setLang('en')}>
          English
        </button>
      </p>
    </form>
  );
}
