/**
 * One ticket: its whole history (messages with attachments, bot answers, internal notes and
 * audit events, in time order) and what an agent does with it: reply, note, canned responses,
 * status, priority, tags, assignee, category, snooze, merge, and saving a reply as an article.
 * Beside it, the customer's history across channels: the contact's channel identities and their
 * other tickets (GET /contacts/:id), each a link.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, get, type Me } from '../api';
import { actorLabel, describeEvent } from '../events';
import { deliveryLabel, formatDate, priorityLabel, statusLabel, t } from '../i18n';
import { useLiveRefresh } from '../live';
import { PRIORITIES, STATUSES, type AgentView, type ContactDetail, type MessageView, type TicketDetail } from '../model';
import { navigate, onLink } from '../router';
import { MessageCustomer } from './MessageCustomer';


interface Canned {
  shortcut: string;
  title: string | null;
}

type Entry = { at: string; message?: MessageView; event?: TicketDetail['events'][number] };

/**
 * One message of the history. `onEdit` is given for the agent's own replies and notes (any, for
 * an admin): the text becomes editable in place, and saving sends the edit, which the gateway
 * delivers to the customer's copy where their channel can edit it (the server decides who may).
 */
function Message({ m, customerName, onSaveArticle, onEdit }: { m: MessageView; customerName: string | null; onSaveArticle?: (title: string) => Promise<boolean>; onEdit?: (text: string) => Promise<boolean> }) {
  const kind = m.internal ? 'note' : m.author.kind;
  const [draft, setDraft] = useState<string | null>(null);
  // "Save as KB article" asks for an optional title first (empty: the server takes the customer's question).
  const [articleTitle, setArticleTitle] = useState<string | null>(null);
  const saveArticle = async () => {
    if (articleTitle === null || !onSaveArticle) return;
    if (await onSaveArticle(articleTitle.trim())) setArticleTitle(null);
  };
  const save = async () => {
    if (draft === null || !onEdit) return;
    if (draft.trim() === '' || draft === m.text) return setDraft(null);
    if (await onEdit(draft)) setDraft(null);
  };
  return (
    <div class={`msg k-${kind}`} data-testid="message" data-kind={kind}>
      <div class="msg-head">
        {/* A channel may name the customer only on their first message: the contact's name stands for the rest. */}
        <strong>{actorLabel({ kind: m.author.kind, name: m.author.name ?? (kind === 'customer' ? customerName : null) })}</strong>
        {kind === 'bot' && <span class="chip">{t('botAnswer')}</span>}
        {kind === 'note' && <span class="chip">{t('note')}</span>}
        <span class="muted">{formatDate(m.createdAt)}</span>
        {m.delivery && m.delivery.state !== 'sent' && (
          <span class={`chip d-${m.delivery.state}`} data-state={m.delivery.state}>
            {deliveryLabel(m.delivery.state)}
          </span>
        )}
        {m.editedAt && (
          <span class="chip" data-testid="edited" title={formatDate(m.editedAt)}>
            {t('edited')}
          </span>
        )}
        {onSaveArticle && (
          <button class="link small" data-testid="save-article" onClick={() => setArticleTitle(articleTitle === null ? '' : null)}>
            {t('saveAsArticle')}
          </button>
        )}
        {onEdit && draft === null && (
          <button class="link small" data-testid="edit-message" onClick={() => setDraft(m.text)}>
            {t('edit')}
          </button>
        )}
      </div>
      {articleTitle !== null && (
        <form
          class="row"
          data-testid="save-article-form"
          onSubmit={(e) => {
            e.preventDefault();
            void saveArticle();
          }}
        >
          <input data-testid="save-article-title" aria-label={t('articleTitle')} placeholder={`${t('articleTitle')} (${t('articleTitleHint')})`} maxLength={200} value={articleTitle} onInput={(e) => setArticleTitle(e.currentTarget.value)} />
          <button data-testid="save-article-confirm">{t('save')}</button>
          <button type="button" class="secondary" onClick={() => setArticleTitle(null)}>
            {t('cancel')}
          </button>
        </form>
      )}
      {draft !== null ? (
        <div class="msg-edit">
          <textarea data-testid="edit-text" rows={3} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
          <div class="row">
            <button data-testid="edit-save" onClick={() => void save()}>
              {t('save')}
            </button>
            <button class="secondary" onClick={() => setDraft(null)}>
              {t('cancel')}
            </button>
          </div>
        </div>
      ) : (
        m.text && (
          <div class="msg-text" data-testid="message-text">
            {m.text}
          </div>
        )
      )}
      {(m.attachments ?? []).length > 0 && (
        <ul class="attachments">
          {(m.attachments ?? []).map((a, i) => (
            <li key={i}>
              📎{' '}
              {a.url ? (
                <a href={a.url} target="_blank" rel="noreferrer">
                  {a.name ?? a.kind}
                </a>
              ) : (
                <span title={a.error}>
                  {a.name ?? a.kind} ({a.error ?? '—'})
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * Agents edit their own replies and notes; admins any agent's (the server checks the same). A reply
 * written in the customer's own chat is edited there.
 */
function canEdit(m: MessageView, me: Me): boolean {
  if ((m.author.kind !== 'agent' && m.author.kind !== 'note') || m.writtenOnPlatform) return false;
  if (me.role === 'admin') return true;
  return me.role === 'agent' && me.agent !== null && m.author.handle === me.agent.handle;
}

/** One audit event as a sentence in the console's language (../events.ts); the raw type stays in `data-type` and the tooltip. */
function Event({ e, names }: { e: TicketDetail['events'][number]; names: Record<string, string> }) {
  return (
    <div class="event" data-testid="event" data-type={e.type} title={e.type}>
      <span class="muted">{formatDate(e.at)}</span> <strong data-testid="event-text">{describeEvent(e, names)}</strong> · {actorLabel(e.actor)}
    </div>
  );
}

/** The customer's channels and their other tickets, newest first. */
function CustomerHistory({ contact, number }: { contact: ContactDetail; number: number }) {
  const others = contact.tickets.filter((tk) => tk.number !== number);
  return (
    <section class="customer card" data-testid="customer-history" data-contact={contact.id}>
      <h3>{t('customerHistory')}</h3>
      <ul class="identities">
        {contact.identities.map((i) => (
          <li key={`${i.channel}:${i.externalId}`} data-testid="customer-identity" data-channel={i.channel}>
            <span class="chip">{i.channel}</span> {i.username ? `@${i.username}` : i.externalId}
          </li>
        ))}
      </ul>
      <MessageCustomer contact={contact} />
      <h4>{t('otherTickets')}</h4>
      {others.length === 0 ? (
        <p class="muted">{t('noOtherTickets')}</p>
      ) : (
        <ul class="other-tickets">
          {others.map((tk) => (
            <li key={tk.number} data-testid="other-ticket" data-number={tk.number}>
              <a href={`/admin/tickets/${tk.number}`} onClick={(e) => onLink(e, `/tickets/${tk.number}`)}>
                #{tk.number}
              </a>{' '}
              <span class={`status s-${tk.status}`} data-status={tk.status}>
                {statusLabel(tk.status)}
              </span>
              <span class="chip">{tk.channel}</span>
              <div class="other-subject">{tk.subject ?? '—'}</div>
              <div class="muted small">{formatDate(tk.createdAt)}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function Ticket({ number, me }: { number: number; me: Me }) {
  const [ticket, setTicket] = useState<TicketDetail | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [agents, setAgents] = useState<AgentView[]>([]);
  const [canned, setCanned] = useState<Canned[]>([]);
  const [topics, setTopics] = useState<Array<{ id: string; label: string }>>([]);
  const [form, setFormState] = useState({ status: '', priority: '', assignee: '', category: '', tags: '' });
  // Once the agent edits the side panel, a refresh no longer overwrites it (until Apply).
  const dirty = useRef(false);
  const setForm = (next: typeof form) => {
    dirty.current = true;
    setFormState(next);
  };
  const [snoozeUntil, setSnoozeUntil] = useState('');
  const [mergeInto, setMergeInto] = useState('');
  const [contact, setContact] = useState<ContactDetail | null>(null);

  // Only the newest request's answer is shown: loads overlap when changes come quickly, or the page moves to another ticket.
  const request = useRef(0);
  const load = async () => {
    const mine = ++request.current;
    try {
      const tk = await get<TicketDetail>(`/tickets/${number}`);
      if (mine !== request.current) return;
      setTicket(tk);
      if (!dirty.current) setFormState({ status: tk.status, priority: tk.priority, assignee: tk.assignee?.handle ?? '', category: tk.category ?? '', tags: tk.tags.join(', ') });
      setError('');
    } catch (err) {
      if (mine === request.current) setError(err instanceof Error ? err.message : String(err));
    }
  };

  useEffect(() => {
    setTicket(null);
    dirty.current = false;
    // What was typed for the previous ticket is not for this one (after a merge, the target's own number).
    setMergeInto('');
    setSnoozeUntil('');
  }, [number]);
  // This ticket changed, or one of its messages was delivered (or failed).
  useLiveRefresh(load, (change) => change.tickets.includes(number) || (ticket?.messages.some((m) => change.messages.includes(m.id)) ?? false), [number]);

  // The customer's channels and other tickets: again when the ticket (or its contact, after a link) changes.
  const contactId = ticket?.contact?.id ?? null;
  useEffect(() => {
    setContact(null);
    if (!contactId) return;
    let live = true;
    get<ContactDetail>(`/contacts/${contactId}`).then(
      (c) => live && setContact(c),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [contactId, number]);

  useEffect(() => {
    get<{ agents: AgentView[] }>('/agents').then((r) => setAgents(r.agents), () => undefined);
    get<{ canned: Canned[] }>('/canned').then((r) => setCanned(r.canned), () => undefined);
    fetch(`/widget/config?lang=${document.documentElement.lang || 'en'}`)
      .then((r) => r.json() as Promise<{ topics?: Array<{ id: string; label: string }> }>)
      .then((r) => setTopics(r.topics ?? []), () => undefined);
  }, []);

  const act = async (what: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    setNotice('');
    try {
      await what();
      setError('');
      if (done) setNotice(done);
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (!ticket) return error ? <p class="error">{error}</p> : <p>{t('loading')}</p>;

  const send = (internal: boolean) =>
    act(async () => {
      await api('POST', `/tickets/${number}/messages`, { text, internal });
      setText('');
    });

  const apply = () =>
    act(() => {
      const patch: Record<string, unknown> = {};
      if (form.status !== ticket.status) patch.status = form.status;
      if (form.priority !== ticket.priority) patch.priority = form.priority;
      if (form.assignee !== (ticket.assignee?.handle ?? '')) patch.assignee = form.assignee || null;
      if (form.category !== (ticket.category ?? '')) patch.category = form.category || null;
      const tags = form.tags.split(',').map((s) => s.trim()).filter(Boolean);
      if (tags.join(',') !== ticket.tags.join(',')) patch.tags = tags;
      // A refused change (an unknown category …) stays in the form beside the server's error.
      return api('PATCH', `/tickets/${number}`, patch).then(() => {
        dirty.current = false;
      });
    }, t('saved'));

  const mergeTarget = /^\d+$/.test(mergeInto.trim()) ? Number(mergeInto.trim()) : 0;

  const entries: Entry[] = [...ticket.messages.map((m) => ({ at: m.createdAt, message: m })), ...ticket.events.map((e) => ({ at: e.at, event: e }))].sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : 0,
  );

  return (
    <div class="ticket" data-testid="ticket" data-number={ticket.number}>
      <div class="ticket-head">
        <a href="/admin/inbox" onClick={(e) => onLink(e, '/inbox')}>
          ← {t('inbox')}
        </a>
        <h2>
          #{ticket.number} {ticket.subject ?? ''}
        </h2>
        <span class={`status s-${ticket.status}`} data-testid="ticket-status" data-status={ticket.status}>
          {statusLabel(ticket.status)}
        </span>
        <span class={`prio p-${ticket.priority}`} data-testid="ticket-priority" data-priority={ticket.priority}>
          {priorityLabel(ticket.priority)}
        </span>
        <span class="chip">{ticket.channel}</span>
        {ticket.origin === 'agent' && (
          <span class="chip" data-testid="ticket-origin-agent">
            {t('agentStarted')}
          </span>
        )}
        {ticket.overdue && <span class="chip d-failed">SLA</span>}
        <span class="muted">
          {ticket.contact?.name ?? ''} {ticket.contact?.email ?? ''} {ticket.contact?.phone ?? ''}
        </span>
      </div>
      {error && (
        <p class="error" data-testid="ticket-error">
          {error}
        </p>
      )}
      {notice && (
        <p class="notice" data-testid="notice">
          {notice}
        </p>
      )}
      <div class="ticket-body">
        <section class="history card" data-testid="history">
          <h3>{t('history')}</h3>
          {entries.map((entry, i) =>
            entry.message ? (
              <Message
                key={entry.message.id}
                m={entry.message}
                customerName={ticket.contact?.name ?? null}
                onSaveArticle={
                  entry.message.author.kind === 'agent' && !entry.message.internal
                    ? async (title) => {
                        let ok = false;
                        await act(async () => {
                          // Saved as a draft: an admin publishes it from the knowledge-base pages.
                          const article = await api<{ id: string }>('POST', `/tickets/${number}/kb-article`, { messageId: entry.message!.id, ...(title ? { title } : {}) });
                          setNotice(t('articleSaved', { id: article.id }));
                          ok = true;
                        });
                        return ok;
                      }
                    : undefined
                }
                onEdit={
                  canEdit(entry.message, me)
                    ? async (newText) => {
                        let ok = false;
                        await act(async () => {
                          await api('PATCH', `/tickets/${number}/messages/${entry.message!.id}`, { text: newText });
                          ok = true;
                        }, t('replyEdited'));
                        return ok;
                      }
                    : undefined
                }
              />
            ) : (
              <Event key={`e${i}`} e={entry.event!} names={ticket.names} />
            ),
          )}
          <div class="composer">
            <textarea data-testid="reply-text" rows={4} value={text} placeholder={t('reply')} onInput={(e) => setText(e.currentTarget.value)} />
            <div class="row">
              <button data-testid="send-reply" disabled={busy || !text.trim()} onClick={() => send(false)}>
                {t('send')}
              </button>
              <button class="secondary" data-testid="add-note" disabled={busy || !text.trim()} onClick={() => send(true)}>
                {t('addNote')}
              </button>
              <select
                data-testid="canned"
                value=""
                disabled={busy || canned.length === 0}
                onChange={(e) => {
                  const shortcut = e.currentTarget.value;
                  if (shortcut) void act(() => api('POST', `/tickets/${number}/canned`, { shortcut }));
                }}
              >
                <option value="">{t('canned')}…</option>
                {canned.map((c) => (
                  <option key={c.shortcut} value={c.shortcut}>
                    !{c.shortcut} {c.title ?? ''}
                  </option>
                ))}
              </select>
            </div>
          </div>
        </section>
        <div class="side">
          <aside class="props card">
            <label>
              {t('status')}
              <select data-testid="prop-status" value={form.status} onChange={(e) => setForm({ ...form, status: e.currentTarget.value })}>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {statusLabel(s)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('priority')}
              <select data-testid="prop-priority" value={form.priority} onChange={(e) => setForm({ ...form, priority: e.currentTarget.value })}>
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {priorityLabel(p)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('assignee')}
              <select data-testid="prop-assignee" value={form.assignee} onChange={(e) => setForm({ ...form, assignee: e.currentTarget.value })}>
                <option value="">— {t('unassigned')}</option>
                {agents.map((a) => (
                  <option key={a.handle} value={a.handle}>
                    {a.name} (@{a.handle}){me.agent?.handle === a.handle ? ' ★' : ''}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('category')}
              <input data-testid="prop-category" list="od-topics" value={form.category} onInput={(e) => setForm({ ...form, category: e.currentTarget.value })} />
              <datalist id="od-topics">
                {topics.map((tp) => (
                  <option key={tp.id} value={tp.id}>
                    {tp.label}
                  </option>
                ))}
              </datalist>
            </label>
            <label>
              {t('tags')} <span class="muted">({t('tagsHint')})</span>
              <input data-testid="prop-tags" value={form.tags} onInput={(e) => setForm({ ...form, tags: e.currentTarget.value })} />
            </label>
            <button data-testid="apply" disabled={busy} onClick={apply}>
              {t('apply')}
            </button>
            <hr />
            <label>
              {t('snooze')}
              <input type="datetime-local" data-testid="snooze-until" value={snoozeUntil} onInput={(e) => setSnoozeUntil(e.currentTarget.value)} />
            </label>
            <button
              class="secondary"
              disabled={busy || !snoozeUntil}
              data-testid="snooze"
              onClick={() => act(() => api('PATCH', `/tickets/${number}`, { status: 'pending', pendingUntil: new Date(snoozeUntil).toISOString() }), t('saved'))}
            >
              {t('snooze')}
            </button>
            <label>
              {t('merge')}
              <input type="number" min={1} data-testid="merge-into" value={mergeInto} onInput={(e) => setMergeInto(e.currentTarget.value)} />
            </label>
            <button
              class="secondary"
              // A ticket cannot be merged into itself: the button is not offered for its own number.
              disabled={busy || !mergeTarget || mergeTarget === number}
              data-testid="merge"
              onClick={() =>
                act(async () => {
                  await api('POST', `/tickets/${number}/merge`, { into: mergeTarget });
                  setMergeInto('');
                  navigate(`/tickets/${mergeTarget}`);
                })
              }
            >
              {t('merge')}
              {mergeInto}
            </button>
            <dl class="sla">
              <dt>{t('sla')}</dt>
              {ticket.botActive && !ticket.firstResponseDueAt && !ticket.resolutionDueAt ? (
                <dd data-testid="sla-bot">{t('botHoldsSla')}</dd>
              ) : (
                <>
                  <dd data-testid="sla-first-response">
                    {t('fieldFirstResponseDueAt')}: {formatDate(ticket.firstResponseDueAt)} {ticket.firstRespondedAt ? '✓' : ''}
                  </dd>
                  <dd data-testid="sla-resolution">
                    {t('fieldResolutionDueAt')}: {formatDate(ticket.resolutionDueAt)}
                  </dd>
                </>
              )}
              {ticket.team && (
                <>
                  <dt>{t('team')}</dt>
                  <dd>{ticket.team}</dd>
                </>
              )}
              {ticket.csat && (
                <>
                  <dt>{t('csat')}</dt>
                  <dd>
                    {ticket.csat.score}/5 {ticket.csat.comment ?? ''}
                  </dd>
                </>
              )}
            </dl>
          </aside>
          {contact && <CustomerHistory contact={contact} number={ticket.number} />}
        </div>
      </div>
    </div>
  );
}
