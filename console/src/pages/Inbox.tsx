/**
 * The inbox: saved views (from /views) as presets of the filters, the filters themselves, sort by
 * priority or deadline, and a list that refreshes itself when a ticket changes (../live.ts). An
 * agent takes the next ticket of their queue from here (POST /agents/:handle/next).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, get, qs, type Me } from '../api';
import { formatDate, priorityLabel, statusLabel, t } from '../i18n';
import { useLiveRefresh } from '../live';
import { CHANNELS, PRIORITIES, STATUSES, type SavedView, type TicketRow } from '../model';
import { navigate, onLink } from '../router';

interface Filters {
  status: string;
  priority: string;
  channel: string;
  assignee: string;
  team: string;
  tags: string;
  category: string;
  q: string;
  overdue: boolean;
  sort: string;
}

/** The statuses of the tickets still to be done: the inbox's default. */
const NOT_DONE = 'new,open,pending';

const EMPTY: Filters = { status: NOT_DONE, priority: '', channel: '', assignee: '', team: '', tags: '', category: '', q: '', overdue: false, sort: '-priority' };

function fromView(view: SavedView): Filters {
  const f = view.filters;
  return {
    status: f.status?.join(',') ?? '',
    priority: f.priority?.join(',') ?? '',
    channel: f.channel?.join(',') ?? '',
    assignee: f.assignee ?? '',
    team: f.team ?? '',
    tags: f.tags?.join(',') ?? '',
    category: f.category ?? '',
    q: f.q ?? '',
    overdue: f.overdue ?? false,
    sort: view.sort,
  };
}

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

  // A view chosen: its filters and sort become the inbox's.
  useEffect(() => {
    const view = views.find((v) => v.id === viewId);
    setFilters(view ? fromView(view) : EMPTY);
  }, [viewId, views]);

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
  /**
   * A filter's select: the values by their labels, and a comma-joined value (several statuses, from
   * the default or a saved view) as an option of its own, its labels joined, so it never shows blank.
   */
  const select = (name: 'status' | 'priority' | 'channel', options: readonly string[], label: (value: string) => string = (v) => v) => {
    const value = filters[name];
    const joined = (v: string) =>
      v
        .split(',')
        .map((s) => label(s.trim()))
        .join(', ');
    const presets = name === 'status' ? [NOT_DONE] : [];
    const other = value && !presets.includes(value) && !options.includes(value) ? value : null;
    return (
      <select data-testid={`filter-${name}`} value={value} onChange={(e) => set({ [name]: e.currentTarget.value })}>
        <option value="">{t('any')}</option>
        {[...presets, ...(other ? [other] : [])].map((v) => (
          <option key={`set:${v}`} value={v}>
            {joined(v)}
          </option>
        ))}
        {options.map((o) => (
          <option key={o} value={o}>
            {label(o)}
          </option>
        ))}
      </select>
    );
  };

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
        <a href="/admin/inbox" class={viewId ? '' : 'active'} onClick={(e) => onLink(e, '/inbox')}>
          {t('allTickets')}
        </a>
        {views.map((v) => (
          <a key={v.id} href={`/admin/inbox?view=${v.id}`} data-testid="view-link" class={v.id === viewId ? 'active' : ''} onClick={(e) => onLink(e, `/inbox?view=${v.id}`)}>
            {v.name}
          </a>
        ))}
      </aside>
      <section class="list">
        <div class="filters card">
          {me.agent && me.role !== 'viewer' && (
            <button data-testid="take-next" disabled={taking} onClick={() => void takeNext(me.agent!.handle)}>
              {t('takeNext')}
            </button>
          )}
          <label>
            {t('status')} {select('status', STATUSES, statusLabel)}
          </label>
          <label>
            {t('priority')} {select('priority', PRIORITIES, priorityLabel)}
          </label>
          <label>
            {t('channel')} {select('channel', CHANNELS)}
          </label>
          <label>
            {t('assignee')} <input size={8} value={filters.assignee} placeholder="handle / none" onChange={(e) => set({ assignee: e.currentTarget.value.trim() })} />
          </label>
          {me.agent && (
            <label class="check">
              <input type="checkbox" data-testid="filter-mine" checked={filters.assignee === me.agent.handle} onChange={(e) => set({ assignee: e.currentTarget.checked ? me.agent!.handle : '' })} />{' '}
              {t('mine')}
            </label>
          )}
          <label>
            {t('team')} <input size={8} value={filters.team} onChange={(e) => set({ team: e.currentTarget.value.trim() })} />
          </label>
          <label>
            {t('tags')} <input size={8} value={filters.tags} onChange={(e) => set({ tags: e.currentTarget.value.trim() })} />
          </label>
          <label>
            {t('search')} <input data-testid="filter-q" size={12} value={filters.q} onChange={(e) => set({ q: e.currentTarget.value.trim() })} />
          </label>
          <label class="check">
            <input type="checkbox" checked={filters.overdue} onChange={(e) => set({ overdue: e.currentTarget.checked })} /> {t('overdueOnly')}
          </label>
          <label>
            {t('sort')}{' '}
            <select data-testid="sort" value={filters.sort} onChange={(e) => set({ sort: e.currentTarget.value })}>
              <option value="-priority">{t('sortPriority')}</option>
              <option value="deadline">{t('sortDeadline')}</option>
              <option value="age">{t('sortAge')}</option>
              <option value="-createdAt">{t('sortNewest')}</option>
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

function nextDue(tk: TicketRow): string | null {
  if (tk.status === 'resolved' || tk.status === 'closed') return null;
  return tk.firstResponseDueAt && !tk.firstRespondedAt ? tk.firstResponseDueAt : tk.resolutionDueAt;
}
