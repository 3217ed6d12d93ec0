/**
 * The ticket's audit events (GET /tickets/:number `events`, written by the server's audit calls)
 * as short sentences in the console's language: "Статус: Новое → Открыто", "Бот передал обращение
 * людям (причина: попросил оператора)". Agents and teams named by id read by name (`names`), dates
 * in the console's format, statuses and priorities by their labels. An event type or field this
 * does not know is shown as it is (the type, then its data as `key: value`), so nothing is hidden.
 */
import { formatDate, priorityLabel, statusLabel, t, type Key } from './i18n';
import type { TicketDetail } from './model';

export type AuditEvent = TicketDetail['events'][number];
type Data = Record<string, unknown>;

/** The field of a `<field>_changed` event, by the label the console gives it. */
const FIELD_LABELS: Record<string, Key> = {
  status: 'status',
  priority: 'priority',
  line: 'fieldLine',
  tags: 'tags',
  category: 'category',
  assigneeId: 'assignee',
  assignee: 'assignee',
  teamId: 'team',
  botActive: 'fieldBotActive',
  firstRespondedAt: 'fieldFirstRespondedAt',
  firstResponseDueAt: 'fieldFirstResponseDueAt',
  resolutionDueAt: 'fieldResolutionDueAt',
  slaPolicy: 'fieldSlaPolicy',
  pendingUntil: 'fieldPendingUntil',
  resolvedAt: 'fieldResolvedAt',
  closedAt: 'fieldClosedAt',
  overdue: 'fieldOverdue',
};

const HANDOFF_REASONS: Record<string, Key> = { asked_for_human: 'handoffAskedForHuman', no_match: 'handoffNoMatch', not_helpful: 'handoffNotHelpful' };
const SLA_TARGETS: Record<string, Key> = { firstResponse: 'firstResponse', resolution: 'resolution' };
const ACTOR_KINDS: Record<string, Key> = { customer: 'actorCustomer', agent: 'actorAgent', bot: 'actorBot', system: 'actorSystem' };

/** `table[key]` when the table has it (not a property every object inherits, like "constructor"). */
function lookup<V>(table: Record<string, V>, key: unknown): V | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
/** The longest old text an edit event quotes. */
const QUOTE_LENGTH = 80;

/** Any value of an event's data, for people: — for none, names for ids, dates formatted. */
function plain(v: unknown, names: Record<string, string>): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return t(v ? 'valueYes' : 'valueNo');
  if (typeof v === 'string') return lookup(names, v) ?? (ISO_DATE.test(v) ? formatDate(v) : v);
  if (Array.isArray(v)) return v.length ? v.map((x) => plain(x, names)).join(', ') : '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A value of the field `field` (of a `<field>_changed` event). */
function fieldValue(field: string, v: unknown, names: Record<string, string>): string {
  if (v === null || v === undefined) return '—';
  if (field === 'status' && typeof v === 'string') return statusLabel(v);
  if (field === 'priority' && typeof v === 'string') return priorityLabel(v);
  if (field === 'botActive' && typeof v === 'boolean') return t(v ? 'valueBot' : 'valuePeople');
  // `assignee` names the agent by handle (an agent's first reply takes the ticket).
  if (field === 'assignee' && typeof v === 'string') return lookup(names, v) ?? `@${v.replace(/^@/, '')}`;
  return plain(v, names);
}

const handle = (v: unknown) => (typeof v === 'string' && v ? `@${v.replace(/^@/, '')}` : '—');
const quote = (s: string) => (s.length > QUOTE_LENGTH ? `${s.slice(0, QUOTE_LENGTH - 1)}…` : s);

/** The event as raw as it came: its type, then its data (empty fields left out, but an empty `from` or `to` shows as —). */
function raw(e: AuditEvent, names: Record<string, string>): string {
  const data =
    e.data && typeof e.data === 'object'
      ? Object.entries(e.data as Data)
          .filter(([k, v]) => v !== null || k === 'from' || k === 'to')
          .map(([k, v]) => `${k}: ${plain(v, names)}`)
      : [];
  return data.length ? `${e.type} — ${data.join(', ')}` : e.type;
}

/** The event as a sentence in the console's language. */
export function describeEvent(e: AuditEvent, names: Record<string, string>): string {
  const d: Data = e.data && typeof e.data === 'object' && !Array.isArray(e.data) ? (e.data as Data) : {};
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '—');
  const withReason = (text: string, reason: string | null | undefined) => (reason ? t('evReason', { text, reason }) : text);

  const changed = /^(.+)_changed$/.exec(e.type)?.[1];
  if (changed !== undefined) {
    const label = lookup(FIELD_LABELS, changed);
    const field = label ? t(label) : changed;
    const text = t('evChange', { field, from: fieldValue(changed, d.from, names), to: fieldValue(changed, d.to, names) });
    return withReason(text, typeof d.reason === 'string' ? d.reason : null);
  }

  switch (e.type) {
    case 'created': {
      const text = t(d.origin === 'agent' ? 'evCreatedByAgent' : 'evCreated', { channel: str(d.channel) });
      return d.closedTicketNumber ? t('evClosedPrevious', { text, number: str(d.closedTicketNumber) }) : text;
    }
    case 'reopened':
      return t('evReopened', { from: fieldValue('status', d.from, names), to: fieldValue('status', d.to, names) });
    case 'bot.handoff': {
      const reason = lookup(HANDOFF_REASONS, d.reason);
      return withReason(t('evBotHandoff'), reason ? t(reason) : typeof d.reason === 'string' ? d.reason : null);
    }
    case 'bot.deflected':
      return t('evBotDeflected', { article: str(d.articleId) });
    case 'csat_rated': {
      const text = t('evCsatRated', { score: str(d.score) });
      return typeof d.comment === 'string' && d.comment.trim() ? t('evCsatComment', { text, comment: quote(d.comment.trim()) }) : text;
    }
    case 'kb.article_saved':
      return t('evArticleSaved', { article: str(d.articleId) });
    case 'merged_from':
      return t('evMergedFrom', { number: str(d.from), messages: str(d.messages) });
    case 'merged_into':
      return t('evMergedInto', { number: str(d.into), messages: str(d.messages) });
    case 'reassigned': {
      const moves = { from: handle(d.from), to: handle(d.to) };
      return d.reason === 'silence' ? t('evReassignedSilence', moves) : withReason(t('evReassigned', moves), typeof d.reason === 'string' ? d.reason : null);
    }
    case 'sla.warning':
    case 'sla.breached': {
      const target = lookup(SLA_TARGETS, d.target);
      const vars = { target: target ? t(target) : str(d.target), due: plain(d.dueAt, names) };
      if (e.type === 'sla.warning') return t('evSlaWarning', vars);
      const text = t('evSlaBreached', vars);
      if (d.toLine === null || d.toLine === undefined || d.toLine === d.fromLine) return text;
      return typeof d.team === 'string' && d.team ? t('evSlaEscalatedTeam', { text, line: str(d.toLine), team: d.team }) : t('evSlaEscalated', { text, line: str(d.toLine) });
    }
    case 'woke':
      return t('evWoke', { until: plain(d.pendingUntil, names) });
    case 'note_edited':
    case 'reply_edited': {
      const text = t(e.type === 'note_edited' ? 'evNoteEdited' : 'evReplyEdited');
      return typeof d.previousText === 'string' && d.previousText ? t('evWas', { text, previous: quote(d.previousText) }) : text;
    }
    case 'busy.notified':
      return t('evBusyNotified');
    case 'csat.requested':
      return t('evCsatRequested');
    case 'automation.pending':
      return t('evAutomationPending', { rule: str(d.rule) });
    default:
      return raw(e, names);
  }
}

/** Who did it: their name, else what they are ("система"). */
export function actorLabel(actor: AuditEvent['actor']): string {
  if (actor.name) return actor.name;
  const kind = lookup(ACTOR_KINDS, actor.kind);
  return kind ? t(kind) : actor.kind;
}
