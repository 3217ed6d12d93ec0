/**
 * Automation rules in a form: per rule its name, the event (`when`, with `for` for pending
 * tickets), a row per condition (`if`) and a row per action (`then`, run in order). Values are
 * typed as text: lists comma-separated, attributes as `vip: true, plan: gold`; the server
 * validates the result like the YAML file and names the field it refuses.
 */
import { useState } from 'preact/hooks';
import { parse } from 'yaml';
import { t } from '../i18n';
import { RowsTable, splitList } from './RowsTable';

/** An automation rule as the desk configuration holds it. */
export interface RuleItem {
  name: string;
  when: string;
  for?: string;
  if?: Record<string, unknown>;
  then: Array<Record<string, unknown>>;
}

const EVENTS = ['ticket.created', 'message.received', 'ticket.updated', 'sla.warning', 'sla.breached', 'pending'];
const CONDITIONS = ['channel', 'category', 'priority', 'tags', 'keywords', 'text', 'attributes', 'businessHours', 'bot'];
/** Yes/no conditions: picked from their two cases (i18n keys of true, then false). */
const BOOLEAN_CONDITIONS: Record<string, readonly ['insideHours' | 'botHasIt', 'outsideHours' | 'peopleHaveIt']> = {
  businessHours: ['insideHours', 'outsideHours'],
  bot: ['botHasIt', 'peopleHaveIt'],
};
const LIST_CONDITIONS = new Set(['channel', 'category', 'priority', 'tags', 'keywords', 'text']);
const ACTIONS = ['setPriority', 'setCategory', 'setTeam', 'addTags', 'removeTags', 'assign', 'reply', 'notify', 'webhook', 'escalate'];
const LIST_ACTIONS = new Set(['addTags', 'removeTags']);
/** Hints shown as the value's placeholder. */
const PLACEHOLDERS: Record<string, string> = {
  channel: 'telegram, widget',
  category: 'delivery, returns',
  priority: 'high, urgent',
  tags: 'vip',
  keywords: 'refund, возврат',
  text: 'order',
  attributes: 'vip: true, plan: gold',
  setPriority: 'urgent',
  setCategory: 'delivery',
  setTeam: 'support',
  addTags: 'vip, late',
  removeTags: 'stale',
  assign: 'auto',
  reply: 'shortcut',
  notify: 'team | supervisor | assignee',
  webhook: 'https://…',
};

interface ConditionRow {
  key: string;
  value: string;
}

interface ActionRow {
  type: string;
  value: string;
  /** notify's message. */
  message: string;
}

interface Rule {
  name: string;
  when: string;
  for: string;
  conditions: ConditionRow[];
  actions: ActionRow[];
}

/** A value as typed text: a list comma-separated, a map as `key: value, …`. */
function toText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (value && typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`).join(', ');
  return value === undefined || value === null ? '' : String(value);
}

/** A condition's value from its text; what cannot be read goes as typed, for the server to name. */
function conditionValue(key: string, text: string): unknown {
  if (LIST_CONDITIONS.has(key)) return splitList(text);
  if (key in BOOLEAN_CONDITIONS) return text === 'true' ? true : text === 'false' ? false : text;
  if (key === 'attributes') {
    try {
      return parse(`{${text}}`) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function toRule(r: RuleItem): Rule {
  return {
    name: r.name ?? '',
    when: r.when ?? 'ticket.created',
    for: r.for === undefined ? '' : String(r.for),
    conditions: Object.entries(r.if ?? {}).map(([key, value]) => ({ key, value: toText(value) })),
    actions: (r.then ?? []).map((a) => {
      const type = Object.keys(a).find((k) => k !== 'message') ?? 'addTags';
      return { type, value: type === 'escalate' ? '' : toText(a[type]), message: typeof a.message === 'string' ? a.message : '' };
    }),
  };
}

function fromRule(r: Rule): RuleItem {
  const conditions = Object.fromEntries(r.conditions.map((c) => [c.key, conditionValue(c.key, c.value.trim())]));
  return {
    name: r.name.trim(),
    when: r.when,
    ...(r.when === 'pending' || r.for.trim() ? { for: r.for.trim() } : {}),
    ...(r.conditions.length ? { if: conditions } : {}),
    then: r.actions.map((a) => {
      if (a.type === 'escalate') return { escalate: true };
      if (LIST_ACTIONS.has(a.type)) return { [a.type]: splitList(a.value) };
      return { [a.type]: a.value.trim(), ...(a.type === 'notify' && a.message.trim() ? { message: a.message.trim() } : {}) };
    }),
  };
}

export function AutomationForm({ rules, onSave }: { rules: RuleItem[]; onSave: (rules: RuleItem[]) => Promise<boolean> }) {
  const [rows, setRows] = useState(() => rules.map(toRule));
  const update = (i: number, patch: Partial<Rule>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const moveUp = (i: number) => setRows(rows.map((r, j) => (j === i - 1 ? rows[i]! : j === i ? rows[i - 1]! : r)));
  return (
    <section class="card" data-testid="automation-form">
      <h3>{t('automationRules')}</h3>
      <p class="muted">{t('automationHint')}</p>
      {rows.map((r, i) => (
        <fieldset key={i} class="rule" data-testid="automation-rule">
          <div class="row wrap">
            <label>
              {t('name')} <input name="name" size={30} value={r.name} onInput={(e) => update(i, { name: e.currentTarget.value })} />
            </label>
            <label>
              {t('when')}{' '}
              <select name="when" value={r.when} onChange={(e) => update(i, { when: e.currentTarget.value })}>
                {EVENTS.map((x) => (
                  <option key={x}>{x}</option>
                ))}
              </select>
            </label>
            {(r.when === 'pending' || r.for) && (
              <label>
                {t('forPending')} <input name="for" size={6} value={r.for} placeholder="2d" onInput={(e) => update(i, { for: e.currentTarget.value })} />
              </label>
            )}
            <span class="spacer" />
            {i > 0 && (
              <button class="link" title={t('moveUp')} aria-label={t('moveUp')} onClick={() => moveUp(i)}>
                ↑
              </button>
            )}
            <button class="link" data-testid="automation-remove-rule" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
              {t('remove')}
            </button>
          </div>
          <h4>{t('conditions')}</h4>
          <RowsTable
            rows={r.conditions}
            onChange={(conditions) => update(i, { conditions })}
            rowTestId="condition-row"
            addTestId="condition-add"
            blank={() => ({ key: CONDITIONS.find((k) => !r.conditions.some((c) => c.key === k)) ?? 'tags', value: '' })}
            columns={[
              {
                label: t('condition'),
                cell: (c, set) => (
                  <select name="key" value={c.key} onChange={(e) => set({ key: e.currentTarget.value })}>
                    {CONDITIONS.map((x) => (
                      <option key={x}>{x}</option>
                    ))}
                  </select>
                ),
              },
              {
                label: t('value'),
                cell: (c, set) =>
                  BOOLEAN_CONDITIONS[c.key] ? (
                    <select name="value" value={c.value} onChange={(e) => set({ value: e.currentTarget.value })}>
                      <option value="" />
                      <option value="true">{t(BOOLEAN_CONDITIONS[c.key]![0])}</option>
                      <option value="false">{t(BOOLEAN_CONDITIONS[c.key]![1])}</option>
                    </select>
                  ) : (
                    <input name="value" value={c.value} placeholder={PLACEHOLDERS[c.key] ?? ''} onInput={(e) => set({ value: e.currentTarget.value })} />
                  ),
              },
            ]}
          />
          <h4>{t('actions')}</h4>
          <RowsTable
            rows={r.actions}
            onChange={(actions) => update(i, { actions })}
            rowTestId="action-row"
            addTestId="action-add"
            blank={() => ({ type: 'addTags', value: '', message: '' })}
            columns={[
              {
                label: t('action'),
                cell: (a, set) => (
                  <select name="type" value={a.type} onChange={(e) => set({ type: e.currentTarget.value })}>
                    {ACTIONS.map((x) => (
                      <option key={x}>{x}</option>
                    ))}
                  </select>
                ),
              },
              {
                label: t('value'),
                cell: (a, set) =>
                  a.type === 'escalate' ? (
                    <span class="muted">{t('escalateHint')}</span>
                  ) : (
                    <input name="value" value={a.value} placeholder={PLACEHOLDERS[a.type] ?? ''} onInput={(e) => set({ value: e.currentTarget.value })} />
                  ),
              },
              {
                label: t('message'),
                cell: (a, set) => (a.type === 'notify' ? <input name="message" value={a.message} onInput={(e) => set({ message: e.currentTarget.value })} /> : null),
              },
            ]}
          />
        </fieldset>
      ))}
      <div class="row">
        <button class="secondary" data-testid="automation-add-rule" onClick={() => setRows([...rows, { name: '', when: 'ticket.created', for: '', conditions: [], actions: [{ type: 'addTags', value: '', message: '' }] }])}>
          + {t('addRule')}
        </button>
        <button data-testid="automation-save" onClick={() => void onSave(rows.map(fromRule))}>
          {t('save')}
        </button>
      </div>
    </section>
  );
}
