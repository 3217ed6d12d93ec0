/**
 * The knowledge base: articles (admins edit, agents read) with a Markdown preview, and a
 * "try a question" box that shows which articles the bot would match, with their scores.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, get, qs, type Me } from '../api';
import { t } from '../i18n';
import { markdownToHtml } from '../markdown';
import { navigate, onLink } from '../router';

interface Article {
  id: string;
  title: string;
  lang: 'ru' | 'en';
  category: string | null;
  tags: string[];
  questions: string[];
  body: string;
  /** False for a draft (e.g. a reply saved from a ticket): the bot does not use it yet. */
  published?: boolean;
}

interface Candidate {
  id: string;
  title: string;
  lang: string;
  category: string | null;
  confidence: number;
  score: number;
}

const BLANK: Article = { id: '', title: '', lang: 'ru', category: null, tags: [], questions: [], body: '' };

function TryQuestion() {
  const [q, setQ] = useState('');
  const [result, setResult] = useState<{ decision: string; candidates: Candidate[] } | null>(null);
  const [error, setError] = useState('');
  const run = async (e: Event) => {
    e.preventDefault();
    if (!q.trim()) return;
    try {
      setResult(await get<{ decision: string; candidates: Candidate[] }>(`/kb/search${qs({ q, limit: 5 })}`));
      setError('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section class="card try" data-testid="kb-try">
      <h3>{t('tryQuestion')}</h3>
      <form onSubmit={run} class="row">
        <input data-testid="kb-try-input" value={q} placeholder={t('tryHint')} onInput={(e) => setQ(e.currentTarget.value)} />
        <button data-testid="kb-try-submit">{t('search')}</button>
      </form>
      {error && <p class="error">{error}</p>}
      {result && (
        <div data-testid="kb-try-result">
          <p>
            {t('decision')}: <strong data-testid="kb-try-decision">{result.decision}</strong>
          </p>
          {result.candidates.length === 0 ? (
            <p class="muted">{t('noMatches')}</p>
          ) : (
            <ol class="matches">
              {result.candidates.map((c) => (
                <li key={c.id} data-testid="kb-match" data-id={c.id}>
                  <a href={`/admin/kb/${encodeURIComponent(c.id)}`} onClick={(e) => onLink(e, `/kb/${encodeURIComponent(c.id)}`)}>
                    {c.title}
                  </a>{' '}
                  <span class="muted">
                    ({c.lang}) {t('confidence')} <span data-testid="kb-match-confidence">{c.confidence.toFixed(2)}</span> · {t('score')} {c.score.toFixed(2)}
                  </span>
                  <div class="bar">
                    <div style={{ width: `${Math.round(c.confidence * 100)}%` }} />
                  </div>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}

export function Kb({ me, selected }: { me: Me; selected: string | undefined }) {
  const canEdit = me.role === 'admin';
  const [articles, setArticles] = useState<Article[]>([]);
  const [filter, setFilter] = useState('');
  const [draft, setDraft] = useState<Article | null>(null);
  const [isNew, setIsNew] = useState(false);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');

  const loadList = () => get<{ articles: Article[] }>('/kb/articles?limit=200').then((r) => setArticles(r.articles), (err: Error) => setError(err.message));
  useEffect(() => {
    void loadList();
  }, []);
  useEffect(() => {
    setNotice('');
    if (!selected) {
      setDraft(null);
      return;
    }
    get<Article>(`/kb/articles/${encodeURIComponent(decodeURIComponent(selected))}`).then(
      (a) => {
        setDraft(a);
        setIsNew(false);
      },
      (err: Error) => setError(err.message),
    );
  }, [selected]);

  const save = async () => {
    if (!draft) return;
    try {
      const body = { title: draft.title, lang: draft.lang, category: draft.category || null, tags: draft.tags, questions: draft.questions, body: draft.body };
      const saved = isNew
        ? await api<Article>('POST', '/kb/articles', { ...body, ...(draft.id ? { id: draft.id } : {}) })
        : await api<Article>('PUT', `/kb/articles/${encodeURIComponent(draft.id)}`, body);
      setNotice(t('saved'));
      setError('');
      await loadList();
      if (isNew) navigate(`/kb/${encodeURIComponent(saved.id)}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  /** Publishes a draft (the bot starts using it at once) or takes an article back to draft. */
  const setPublished = async (published: boolean) => {
    if (!draft) return;
    try {
      const saved = await api<Article>('PATCH', `/kb/articles/${encodeURIComponent(draft.id)}`, { published });
      setDraft({ ...draft, published: saved.published });
      setNotice(t(published ? 'publishedNotice' : 'unpublishedNotice'));
      setError('');
      await loadList();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const remove = async () => {
    if (!draft || !confirm(`${t('remove')} ${draft.id}?`)) return;
    await api('DELETE', `/kb/articles/${encodeURIComponent(draft.id)}`).catch((err: Error) => setError(err.message));
    await loadList();
    navigate('/kb');
  };

  const shown = articles.filter((a) => !filter || `${a.id} ${a.title}`.toLowerCase().includes(filter.toLowerCase()));
  const set = (patch: Partial<Article>) => draft && setDraft({ ...draft, ...patch });

  return (
    <div class="kb">
      <aside class="card articles" data-testid="kb-articles">
        <h3>{t('articles')}</h3>
        <input placeholder={t('search')} value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        {canEdit && (
          <button
            class="secondary"
            data-testid="kb-new"
            onClick={() => {
              navigate('/kb');
              setDraft({ ...BLANK });
              setIsNew(true);
            }}
          >
            + {t('newArticle')}
          </button>
        )}
        <ul>
          {shown.map((a) => (
            <li key={a.id} class={draft?.id === a.id ? 'active' : ''} data-testid="kb-article" data-id={a.id} data-published={String(a.published !== false)}>
              <a href={`/admin/kb/${encodeURIComponent(a.id)}`} onClick={(e) => onLink(e, `/kb/${encodeURIComponent(a.id)}`)}>
                {a.title}
              </a>{' '}
              <span class="muted">{a.lang}</span>
              {a.published === false && (
                <span class="chip" data-testid="kb-draft-chip">
                  {t('draft')}
                </span>
              )}
            </li>
          ))}
        </ul>
      </aside>
      <div class="kb-main">
        <TryQuestion />
        {error && <p class="error">{error}</p>}
        {notice && <p class="notice">{notice}</p>}
        {draft && (
          <section class="card editor" data-testid="kb-editor">
            {!canEdit && <p class="muted">{t('readOnly')}</p>}
            {!isNew && draft.published === false && (
              <p class="notice" data-testid="kb-draft-notice">
                {t('draftHint')}
              </p>
            )}
            <fieldset disabled={!canEdit}>
              <div class="grid2">
                <label>
                  ID
                  <input value={draft.id} disabled={!isNew} onInput={(e) => set({ id: e.currentTarget.value })} />
                </label>
                <label>
                  {t('lang')}
                  <select value={draft.lang} onChange={(e) => set({ lang: e.currentTarget.value as 'ru' | 'en' })}>
                    <option value="ru">ru</option>
                    <option value="en">en</option>
                  </select>
                </label>
              </div>
              <label>
                {t('title')}
                <input data-testid="kb-title" value={draft.title} onInput={(e) => set({ title: e.currentTarget.value })} />
              </label>
              <div class="grid2">
                <label>
                  {t('category')}
                  <input value={draft.category ?? ''} onInput={(e) => set({ category: e.currentTarget.value || null })} />
                </label>
                <label>
                  {t('tags')}
                  <input value={draft.tags.join(', ')} onInput={(e) => set({ tags: e.currentTarget.value.split(',').map((s) => s.trim()).filter(Boolean) })} />
                </label>
              </div>
              <label>
                {t('questions')}
                <textarea rows={4} value={draft.questions.join('\n')} onInput={(e) => set({ questions: e.currentTarget.value.split('\n').filter((s) => s.trim()) })} />
              </label>
              <div class="grid2 md">
                <label>
                  {t('body')}
                  <textarea data-testid="kb-body" rows={14} value={draft.body} onInput={(e) => set({ body: e.currentTarget.value })} />
                </label>
                <div>
                  <div class="label">{t('preview')}</div>
                  <div class="preview" data-testid="kb-preview" dangerouslySetInnerHTML={{ __html: markdownToHtml(draft.body) }} />
                </div>
              </div>
            </fieldset>
            {canEdit && (
              <div class="row">
                <button data-testid="kb-save" onClick={save}>
                  {t('save')}
                </button>
                {!isNew && draft.published === false && (
                  <button data-testid="kb-publish" onClick={() => void setPublished(true)}>
                    {t('publish')}
                  </button>
                )}
                {!isNew && draft.published !== false && (
                  <button class="secondary" data-testid="kb-unpublish" onClick={() => void setPublished(false)}>
                    {t('unpublish')}
                  </button>
                )}
                {!isNew && (
                  <button class="danger" onClick={remove}>
                    {t('remove')}
                  </button>
                )}
              </div>
            )}
          </section>
        )}
      </div>
    </div>
  );
}
