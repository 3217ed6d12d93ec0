/**
 * The inbox: saved views (from /views) as presets of the filters, the filters themselves (several
 * statuses and priorities at once), every sort the API takes, and a list that refreshes itself
 * when a ticket changes (../live.ts). The filters and sort shown can be saved as a new view
 * (POST /views), saved into the chosen view when they differ from its own (PUT /views/:id), and
 * the chosen view deleted (DELETE /views/:id); views are shared by everyone on the desk. An agent
 * takes the next ticket of their queue from here (POST /agents/:handle/next).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, get, qs, type Me } from '../api';
import { formatDate, priorityLabel, sortLabel, statusLabel, t } from '../i18n';
import { useLiveRefresh } from '../live';
import { CHANNELS, PRIORITIES, SORTS, STATUSES, type SavedView, type TicketRow } from '../model';
import { navigate, onLink } from '../router';

interface Filters {
  status: string;
  priority: string;
  channel: string;
  assignee: string;
  team: string;
  tags: string;
  category: string;
  /** customer or agent (who wrote first): no control of its own, kept so a view's is applied and saved again. */
  origin: string;
  q: string;
  overdue: boolean;
  sort: string;
}

/** The statuses of the tickets still to be done: the inbox's default. */
const NOT_DONE = 'new,open,pending';

const EMPTY: Filters = { status: NOT_DONE, priority: '', channel: '', assignee: '', team: '', tags: '', category: '', origin: '', q: '', overdue: false, sort: '-priority' };

/** "a, b,,c" → ["a", "b", "c"]. */
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The tags as the tags input shows them. */
const joinTags = (tags: string[]) => tags.join(', ');

/** A view's filters and sort as the inbox's; toView is the way back. */
function fromView(view: SavedView): Filters {
  const f = view.filters;
  return {
    status: f.status?.join(',') ?? '',
    priority: f.priority?.join(',') ?? '',
    channel: f.channel?.join(',') ?? '',
    assignee: f.assignee ?? '',
    team: f.team ?? '',
    tags: joinTags(f.tags ?? []),
    category: f.category ?? '',
    origin: f.origin ?? '',
    q: f.q ?? '',
    overdue: f.overdue ?? false,
    sort: view.sort,
  };
}

/** The inbox's filters and sort as the body of POST /views: empty filters left out ("any"). */
function toView(f: Filters): Pick<SavedView, 'filters' | 'sort'> {
  const filters: SavedView['filters'] = {};
  for (const key of ['status', 'priority', 'channel', 'tags'] as const) {
    const values = list(f[key]);
    if (values.length) filters[key] = values;
  }
  for (const key of ['assignee', 'team', 'category', 'origin', 'q'] as const) if (f[key]) filters[key] = f[key];
  if (f.overdue) filters.overdue = true;
  return { filters, sort: f.sort };
}

/**
 * The filters and sort as a view would store them, in one spelling (lists as sorted sets), so two
 * that select the same tickets in the same order compare equal.
 */
function viewKey(f: Filters): string {
  const { filters, sort } = toView(f);
  const entries = Object.entries(filters)
    .map(([key, value]) => [key, Array.isArray(value) ? [...new Set(value)].sort() : value] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([entries, sort]);
}

/**
 * What went wrong saving (`name`: the name sent) or deleting a view, in the UI's language where the
 * server's answer says what it was, else the server's message. A function, so it follows a switch
 * of the language.
 */
function viewErrorText(err: unknown, name: string | null): () => string {
  if (err instanceof ApiError) {
    const { error, field } = err.body;
    if (name !== null && err.status === 409 && error === 'conflict') return () => t('viewNameTaken', { name: name.trim() });
    if (name !== null && err.status === 400 && field === 'name' && name.trim() === '') return () => t('viewNameEmpty');
    if (err.status === 400 && field?.startsWith('filters')) return () => t('viewFiltersInvalid', { message: err.message });
    if (err.status === 403) return () => t('forbidden');
  }
  const message = err instanceof Error ? err.message : String(err);
  return () => message;
}

/** The order of GET /views, near enough (the database's collation decides there). */
const byName = (a: SavedView, b: SavedView) => a.name.localeCompare(b.name);

export function Inbox({ query, me }: { query: URLSearchParams; me: Me }) {
  const viewId = query.get('view') ?? '';
  const [views, setViews] = useState<SavedView[]>([]);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [tickets, setTickets] = useState<TicketRow[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState('');
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);

  useEffect(() => {
    get<{ views: SavedView[] }>('/views').then((r) => setViews(r.views), (err: Error) => setError(err.message));
  }, []);

  // A view chosen: its filters and sort become the inbox's. (Only when that view changes: another
  // one saved or deleted leaves the filters as they are.) `applied` names the view whose filters
  // were put in last: before that (the views still loading) the filters shown are not yet that
  // view's, and do not count as changed.
  const selected = views.find((v) => v.id === viewId);
  const [applied, setApplied] = useState<string | null>(null);
  useEffect(() => {
    setFilters(selected ? fromView(selected) : EMPTY);
    setApplied(selected?.id ?? null);
  }, [viewId, selected]);
  /** The chosen view's filters or sort were changed here (and not saved into it). */
  const changed = !!selected && applied === selected.id && viewKey(filters) !== viewKey(fromView(selected));

  // "Save as view": the name being typed (null: the form is closed), and what went wrong.
  const canEditViews = me.role !== 'viewer';
  const [newName, setNewName] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [viewBusy, setViewBusy] = useState(false);
  const [viewError, setViewError] = useState<(() => string) | null>(null);
  /** The name of the view just updated, for "View … updated" (until the filters change again or another view is chosen). */
  const [updatedView, setUpdatedView] = useState<string | null>(null);
  useEffect(() => {
    setConfirmDelete(false);
    setUpdatedView(null);
  }, [viewId]);
  useEffect(() => {
    if (changed) setUpdatedView(null);
  }, [changed]);
  const nameInput = useRef<HTMLInputElement>(null);
  const naming = newName !== null;
  useEffect(() => {
    if (naming) nameInput.current?.focus();
  }, [naming]);

  const saveView = async () => {
    if (newName === null) return;
    setViewBusy(true);
    setViewError(null);
    try {
      const created = await api<SavedView>('POST', '/views', { name: newName, ...toView(filters) });
      setViews((all) => [...all.filter((v) => v.id !== created.id), created].sort(byName));
      setNewName(null);
      navigate(`/inbox?view=${created.id}`);
    } catch (err) {
      setViewError(() => viewErrorText(err, newName));
    }
    setViewBusy(false);
  };

  /** "Update view": the filters and sort shown replace the view's (PUT takes the whole view: its name too). */
  const updateView = async (view: SavedView) => {
    setViewBusy(true);
    setViewError(null);
    setUpdatedView(null);
    try {
      // Only what changed here: a rename made elsewhere meanwhile stays.
      const updated = await api<SavedView>('PATCH', `/views/${view.id}`, toView(filters));
      setViews((all) => all.map((v) => (v.id === updated.id ? updated : v)).sort(byName));
      setUpdatedView(updated.name);
    } catch (err) {
      setViewError(() => (err instanceof ApiError && err.status === 404 ? () => t('viewGone') : viewErrorText(err, view.name)));
    }
    setViewBusy(false);
  };

  const deleteView = async (view: SavedView) => {
    setViewBusy(true);
    setViewError(null);
    try {
      await api('DELETE', `/views/${view.id}`);
    } catch (err) {
      // Already gone (deleted elsewhere) is what was asked for.
      if (!(err instanceof ApiError && err.status === 404)) {
        setViewError(() => viewErrorText(err, null));
        setViewBusy(false);
        return;
      }
    }
    setViews((all) => all.filter((v) => v.id !== view.id));
    setConfirmDelete(false);
    setViewBusy(false);
    if (viewId === view.id) navigate('/inbox');
  };

  // Only the newest request's answer is shown: an older one (other filters) may come back later.
  const request = useRef(0);
  const load = async () => {
    const mine = ++request.current;
    try {
      const { overdue, ...rest } = filters;
      const res = await get<{ tickets: TicketRow[]; total: number }>(`/tickets${qs({ ...rest, ...(overdue ? { overdue: 'true' } : {}), limit: 100 })}`);
      if (mine !== request.current) return;
      setTickets(res.tickets);
      setTotal(res.total);
      setUpdatedAt(new Date());
      setError('');
    } catch (err) {
      if (mine === request.current) setError(err instanceof Error ? err.message : String(err));
    }
  };
  // Any ticket that changed may enter or leave the list.
  useLiveRefresh(load, (change) => change.tickets.length > 0, [JSON.stringify(filters)]);

  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  // "Take next": the most urgent ticket of the agent's queue becomes theirs, and opens.
  const [taking, setTaking] = useState(false);
  const [takeNotice, setTakeNotice] = useState<{ error: boolean; text: string } | null>(null);
  const takeNext = async (agent: string) => {
    setTaking(true);
    setTakeNotice(null);
    try {
      const res = await api<{ ticket: TicketRow | null }>('POST', `/agents/${encodeURIComponent(agent)}/next`);
      if (res.ticket) {
        navigate(`/tickets/${res.ticket.number}`);
        return;
      }
      setTakeNotice({ error: false, text: t('queueEmpty') });
    } catch (err) {
      const text = err instanceof ApiError && err.body.error === 'at_capacity' ? t('atCapacity') : err instanceof Error ? err.message : String(err);
      setTakeNotice({ error: true, text });
    }
    setTaking(false);
  };

  return (
    <div class="inbox">
      <aside class="views card" data-testid="views">
        <h3>{t('views')}</h3>
        {/* Choosing the view already chosen (or all tickets again) puts its own filters back. */}
        <a
          href="/admin/inbox"
          data-testid="all-tickets"
          class={viewId ? '' : 'active'}
          aria-current={viewId ? undefined : 'page'}
          onClick={(e) => {
            onLink(e, '/inbox');
            if (e.defaultPrevented && !viewId) setFilters(EMPTY);
          }}
        >
          {t('allTickets')}
        </a>
        {views.map((v) => (
          <a
            key={v.id}
            href={`/admin/inbox?view=${v.id}`}
            data-testid="view-link"
            data-id={v.id}
            class={v.id === viewId ? 'active' : ''}
            aria-current={v.id === viewId ? 'page' : undefined}
            title={v.id === viewId && changed ? t('viewChangedHint') : undefined}
            onClick={(e) => {
              onLink(e, `/inbox?view=${v.id}`);
              if (e.defaultPrevented && v.id === viewId) setFilters(fromView(v));
            }}
          >
            {v.name}
            {v.id === viewId && changed && (
              <span class="chip changed" data-testid="view-changed">
                {t('viewChanged')}
              </span>
            )}
          </a>
        ))}
        {canEditViews && (
          <div class="view-actions">
            {newName === null ? (
              <button
                class="link small"
                data-testid="save-view"
                onClick={() => {
                  setNewName('');
                  setViewError(null);
                  setConfirmDelete(false);
                }}
              >
                + {t('saveAsView')}
              </button>
            ) : (
              <form
                class="view-form"
                data-testid="save-view-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void saveView();
                }}
              >
                {/* Long names are cut here; the server refuses more than 100 characters too. */}
                <input
                  data-testid="save-view-name"
                  aria-label={t('viewName')}
                  placeholder={t('viewName')}
                  maxLength={100}
                  value={newName}
                  ref={nameInput}
                  onInput={(e) => setNewName(e.currentTarget.value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Escape') setNewName(null);
                  }}
                />
                <span class="muted small">{t('viewsShared')}</span>
                <div class="row">
                  <button data-testid="save-view-confirm" disabled={viewBusy}>
                    {t('save')}
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    data-testid="save-view-cancel"
                    onClick={() => {
                      setNewName(null);
                      setViewError(null);
                    }}
                  >
                    {t('cancel')}
                  </button>
                </div>
              </form>
            )}
            {selected && newName === null && !confirmDelete && changed && (
              <button class="secondary small" data-testid="update-view" disabled={viewBusy} title={t('viewChangedHint')} onClick={() => void updateView(selected)}>
                {t('updateView')}
              </button>
            )}
            {selected && newName === null && updatedView !== null && (
              <p class="muted small" role="status" data-testid="view-notice">
                {t('viewUpdated', { name: updatedView })}
              </p>
            )}
            {selected &&
              newName === null &&
              (confirmDelete ? (
                <div class="view-form" data-testid="delete-view-prompt">
                  <span>{t('deleteViewConfirm', { name: selected.name })}</span>
                  <div class="row">
                    <button class="danger" data-testid="delete-view-confirm" disabled={viewBusy} onClick={() => void deleteView(selected)}>
                      {t('remove')}
                    </button>
                    <button class="secondary" data-testid="delete-view-cancel" onClick={() => setConfirmDelete(false)}>
                      {t('cancel')}
                    </button>
                  </div>
                </div>
              ) : (
                <button
                  class="link danger small"
                  data-testid="delete-view"
                  onClick={() => {
                    setConfirmDelete(true);
                    setViewError(null);
                  }}
                >
                  {t('deleteView')}
                </button>
              ))}
            {viewError && (
              <p class="error" data-testid="view-error">
                {viewError()}
              </p>
            )}
          </div>
        )}
      </aside>
      <section class="list">
        <div class="filters card">
          {me.agent && me.role !== 'viewer' && (
            <button data-testid="take-next" disabled={taking} onClick={() => void takeNext(me.agent!.handle)}>
              {t('takeNext')}
            </button>
          )}
          <MultiFilter name="status" label={t('status')} options={STATUSES} optionLabel={statusLabel} value={filters.status} onChange={(status) => set({ status })} />
          <MultiFilter name="priority" label={t('priority')} options={PRIORITIES} optionLabel={priorityLabel} value={filters.priority} onChange={(priority) => set({ priority })} />
          <MultiFilter name="channel" label={t('channel')} options={CHANNELS} optionLabel={(channel) => channel} value={filters.channel} onChange={(channel) => set({ channel })} />
          <label>
            {t('assignee')} <TextFilter testId="filter-assignee" size={8} value={filters.assignee} placeholder="handle / none" onCommit={(assignee) => set({ assignee })} />
          </label>
          {me.agent && (
            <label class="check">
              <input type="checkbox" data-testid="filter-mine" checked={filters.assignee === me.agent.handle} onChange={(e) => set({ assignee: e.currentTarget.checked ? me.agent!.handle : '' })} />{' '}
              {t('mine')}
            </label>
          )}
          <label>
            {t('team')} <TextFilter testId="filter-team" size={8} value={filters.team} onCommit={(team) => set({ team })} />
          </label>
          <label>
            {t('category')} <TextFilter testId="filter-category" size={8} value={filters.category} onCommit={(category) => set({ category })} />
          </label>
          <label>
            {t('tags')} <TextFilter testId="filter-tags" size={8} title={t('tagsHint')} value={filters.tags} normalize={(v) => joinTags(list(v))} onCommit={(tags) => set({ tags })} />
          </label>
          <label>
            {t('search')} <TextFilter testId="filter-q" size={12} value={filters.q} onCommit={(q) => set({ q })} />
          </label>
          <label class="check">
            <input type="checkbox" data-testid="filter-overdue" checked={filters.overdue} onChange={(e) => set({ overdue: e.currentTarget.checked })} /> {t('overdueOnly')}
          </label>
          <label>
            {t('sort')}{' '}
            <select data-testid="sort" value={filters.sort} onChange={(e) => set({ sort: e.currentTarget.value })}>
              {/* A sort this console does not know (a newer server's): shown as it is, not blank. */}
              {!(SORTS as readonly string[]).includes(filters.sort) && <option value={filters.sort}>{filters.sort}</option>}
              {SORTS.map((sort) => (
                <option key={sort} value={sort}>
                  {sortLabel(sort)}
                </option>
              ))}
            </select>
          </label>
          <span class="muted" title={updatedAt?.toISOString()}>
            ● {t('live')} · {total}
          </span>
        </div>
        {takeNotice && (
          <p class={takeNotice.error ? 'error' : 'notice'} data-testid="take-next-notice">
            {takeNotice.text}
          </p>
        )}
        {error && <p class="error">{error}</p>}
        {tickets === null ? (
          <p>{t('loading')}</p>
        ) : tickets.length === 0 ? (
          <p class="muted">{t('noTickets')}</p>
        ) : (
          <table class="tickets" data-testid="ticket-list">
            <thead>
              <tr>
                <th>#</th>
                <th>{t('subject')}</th>
                <th class="wide">{t('customer')}</th>
                <th>{t('status')}</th>
                <th>{t('priority')}</th>
                <th class="wide">{t('assignee')}</th>
                <th>{t('due')}</th>
              </tr>
            </thead>
            <tbody>
              {tickets.map((tk) => (
                <tr key={tk.number} data-testid="ticket-row" data-number={tk.number} class={tk.overdue ? 'overdue' : ''} onClick={() => navigate(`/tickets/${tk.number}`)}>
                  <td>
                    <a href={`/admin/tickets/${tk.number}`} onClick={(e) => onLink(e, `/tickets/${tk.number}`)}>
                      {tk.number}
                    </a>
                  </td>
                  <td>
                    {tk.subject ?? '—'} <span class="chip">{tk.channel}</span>
                  </td>
                  <td class="wide">{tk.contact?.name ?? tk.contact?.email ?? '—'}</td>
                  <td>
                    <span class={`status s-${tk.status}`} data-testid="row-status" data-status={tk.status}>
                      {statusLabel(tk.status)}
                    </span>
                  </td>
                  <td>
                    <span class={`prio p-${tk.priority}`} data-testid="row-priority" data-priority={tk.priority}>
                      {priorityLabel(tk.priority)}
                    </span>
                  </td>
                  <td class="wide">{tk.assignee?.name ?? <span class="muted">{t('unassigned')}</span>}</td>
                  <td>{formatDate(nextDue(tk))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

/**
 * A filter of several values (statuses, priorities, channels): a button naming the ones chosen ("any" for
 * none) that opens a list of checkboxes, one per value, by its label in the UI's language. The value
 * is the API's, comma-joined in the order of `options` (a value the console does not know, e.g.
 * from a view, stays at the end). Keyboard: Enter or Space on the button opens and closes it, Tab
 * goes through the checkboxes, Escape closes it and returns to the button; leaving it (focus or a
 * click elsewhere) closes it too.
 */
function MultiFilter(props: { name: 'status' | 'priority' | 'channel'; label: string; options: readonly string[]; optionLabel: (value: string) => string; value: string; onChange: (value: string) => void }) {
  const { name, options, optionLabel, value, onChange } = props;
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const chosen = list(value);
  const summary = chosen.length ? chosen.map(optionLabel).join(', ') : t('any');
  const ids = { label: `filter-${name}-label`, summary: `filter-${name}-summary`, options: `filter-${name}-options` };

  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);

  const toggle = (option: string, on: boolean) => {
    const next = on ? [...chosen, option] : chosen.filter((v) => v !== option);
    onChange([...options.filter((o) => next.includes(o)), ...next.filter((v) => !options.includes(v))].join(','));
  };

  return (
    <div
      class="multi"
      ref={root}
      data-testid={`filter-${name}`}
      data-value={value}
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || !open) return;
        e.stopPropagation();
        setOpen(false);
        button.current?.focus();
      }}
      onFocusOut={(e) => {
        if (!root.current?.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <span id={ids.label}>{props.label}</span>
      <button
        type="button"
        class="multi-button"
        ref={button}
        data-testid={`filter-${name}-button`}
        aria-expanded={open}
        aria-controls={ids.options}
        aria-labelledby={`${ids.label} ${ids.summary}`}
        title={summary}
        onClick={() => setOpen((o) => !o)}
      >
        <span id={ids.summary} data-testid={`filter-${name}-summary`}>
          {summary}
        </span>
        <span aria-hidden="true"> ▾</span>
      </button>
      {open && (
        // Focusable itself, so a click on a label's text keeps the focus inside (and the list open).
        <fieldset id={ids.options} class="multi-options" aria-labelledby={ids.label} tabIndex={-1}>
          {options.map((o) => (
            <label key={o}>
              <input type="checkbox" data-testid={`filter-${name}-option`} value={o} checked={chosen.includes(o)} onChange={(e) => toggle(o, e.currentTarget.checked)} /> {optionLabel(o)}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}

/**
 * A text filter, applied when it is left or Enter is pressed (not at every key, each a request).
 * What is typed meanwhile is the input's own: the list re-rendering (a live change, an answer
 * arriving) must not put the applied value back over it.
 */
function TextFilter(props: { testId: string; value: string; onCommit: (value: string) => void; normalize?: (value: string) => string; size: number; placeholder?: string; title?: string }) {
  const { value, onCommit, normalize = (v: string) => v.trim() } = props;
  const [draft, setDraft] = useState(value);
  // Another value from outside (a view chosen): shown instead.
  useEffect(() => setDraft(value), [value]);
  return (
    <input
      data-testid={props.testId}
      size={props.size}
      placeholder={props.placeholder}
      title={props.title}
      value={draft}
      onInput={(e) => setDraft(e.currentTarget.value)}
      onChange={(e) => {
        const next = normalize(e.currentTarget.value);
        setDraft(next);
        onCommit(next);
      }}
    />
  );
}

function nextDue(tk: TicketRow): string | null {
  if (tk.status === 'resolved' || tk.status === 'closed') return null;
  return tk.firstResponseDueAt && !tk.firstRespondedAt ? tk.firstResponseDueAt : tk.resolutionDueAt;
}
