/**
 * The desk configuration (admins). It is one YAML document, versioned by PUT /desk-config: the
 * forms here edit the parsed document (canned responses, teams, agents, calendars, SLA policies,
 * automation rules) or one section of it as YAML (timers, routing), and every save goes through
 * the server's validation, whose errors name the line and the field.
 */
import { useEffect, useState } from 'preact/hooks';
import { parseDocument, stringify, parse } from 'yaml';
import { api, ApiError, get } from '../api';
import { formatDate, priorityLabel, t, type Key } from '../i18n';
import { PRIORITIES } from '../model';
import { AutomationForm, type RuleItem } from './AutomationForm';
import { CalendarsForm, type CalendarItem } from './CalendarsForm';
import { RowsTable, splitList } from './RowsTable';

interface Stored {
  version: number;
  yaml: string;
  author: string;
  createdAt: string;
}

interface CannedItem {
  shortcut: string;
  title?: string;
  text: string | { ru?: string; en?: string };
}

interface AgentItem {
  handle: string;
  name: string;
  email?: string;
  teams?: string[];
  capacity?: number;
  [key: string]: unknown;
}

interface TeamItem {
  name: string;
  line?: number;
  strategy?: string;
  [key: string]: unknown;
}

interface SlaItem {
  priority: string;
  category?: string;
  calendar?: string;
  firstResponse?: string;
  resolution?: string;
  [key: string]: unknown;
}

const TABS: Array<{ id: string; label: Key; sections?: string[] }> = [
  { id: 'canned', label: 'cannedResponses' },
  { id: 'people', label: 'teamsAgents' },
  { id: 'sla', label: 'calendarsSla', sections: ['timers'] },
  { id: 'automation', label: 'automation', sections: ['routing'] },
  { id: 'yaml', label: 'yaml' },
  { id: 'versions', label: 'versions' },
];

export function Config() {
  const [stored, setStored] = useState<Stored | null>(null);
  const [tab, setTab] = useState('canned');
  const [error, setError] = useState<{ message: string; line?: number } | null>(null);
  const [notice, setNotice] = useState('');

  const load = () => get<Stored>('/desk-config').then(setStored, (err: Error) => setError({ message: err.message }));
  useEffect(() => {
    void load();
  }, []);

  /** Saves a whole new YAML document: the server validates it and stores a new version. */
  const save = async (yaml: string) => {
    setNotice('');
    try {
      const saved = await api<{ version: number }>('PUT', '/desk-config', { yaml });
      setError(null);
      setNotice(`${t('saved')}: ${t('version')} ${saved.version}`);
      await load();
      return true;
    } catch (err) {
      if (err instanceof ApiError) setError({ message: err.message, ...(err.body.line ? { line: err.body.line } : {}) });
      else setError({ message: String(err) });
      return false;
    }
  };

  /** Replaces top-level keys of the stored document, keeping the rest (and its comments). */
  const saveSections = (values: Record<string, unknown>) => {
    if (!stored) return Promise.resolve(false);
    const doc = parseDocument(stored.yaml);
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined || value === null) doc.delete(key);
      else doc.set(key, doc.createNode(value));
    }
    return save(doc.toString());
  };

  if (!stored) return error ? <p class="error">{error.message}</p> : <p>{t('loading')}</p>;
  const config = (parse(stored.yaml) ?? {}) as Record<string, unknown>;
  const current = TABS.find((x) => x.id === tab)!;

  return (
    <div class="config" data-testid="config-page">
      <div class="toolbar">
        <h2>{t('config')}</h2>
        <span class="muted">
          {t('version')} {stored.version} · {stored.author} · {formatDate(stored.createdAt)}
        </span>
      </div>
      <div class="tabs">
        {TABS.map((x) => (
          <button key={x.id} class={x.id === tab ? 'tab active' : 'tab'} data-testid={`config-tab-${x.id}`} onClick={() => setTab(x.id)}>
            {t(x.label)}
          </button>
        ))}
      </div>
      {error && (
        <p class="error" data-testid="config-error">
          {error.line ? `${t('invalidAtLine', { line: error.line })}: ` : ''}
          {error.message}
        </p>
      )}
      {notice && (
        <p class="notice" data-testid="config-notice">
          {notice}
        </p>
      )}
      {tab === 'canned' && <CannedForm key={stored.version} items={(config.canned as CannedItem[] | undefined) ?? []} onSave={(canned) => saveSections({ canned })} />}
      {tab === 'people' && (
        <PeopleForm
          key={stored.version}
          teams={(config.teams as TeamItem[] | undefined) ?? []}
          agents={(config.agents as AgentItem[] | undefined) ?? []}
          onSave={(teams, agents) => saveSections({ teams, agents })}
        />
      )}
      {tab === 'sla' && (
        <CalendarsForm key={`cal-${stored.version}`} calendars={(config.calendars as Record<string, CalendarItem> | undefined) ?? {}} onSave={(calendars) => saveSections({ calendars })} />
      )}
      {tab === 'sla' && (
        <SlaForm
          key={stored.version}
          policies={(config.sla as SlaItem[] | undefined) ?? []}
          calendars={Object.keys((config.calendars as Record<string, unknown> | undefined) ?? {})}
          onSave={(sla) => saveSections({ sla })}
        />
      )}
      {tab === 'automation' && <AutomationForm key={stored.version} rules={(config.automation as RuleItem[] | undefined) ?? []} onSave={(automation) => saveSections({ automation })} />}
      {current.sections && <SectionYaml key={`${stored.version}-${tab}`} config={config} sections={current.sections} onSave={saveSections} />}
      {tab === 'yaml' && <YamlEditor key={stored.version} yaml={stored.yaml} errorLine={error?.line} onSave={save} />}
      {tab === 'versions' && <Versions />}
    </div>
  );
}

function CannedForm({ items, onSave }: { items: CannedItem[]; onSave: (items: CannedItem[]) => Promise<boolean> }) {
  const [rows, setRows] = useState(() =>
    items.map((c) => ({ shortcut: c.shortcut, title: c.title ?? '', ru: typeof c.text === 'string' ? c.text : (c.text.ru ?? ''), en: typeof c.text === 'string' ? '' : (c.text.en ?? '') })),
  );
  const submit = () =>
    onSave(
      rows.map((r) => ({
        shortcut: r.shortcut.trim(),
        ...(r.title.trim() ? { title: r.title.trim() } : {}),
        text: r.en.trim() ? { ru: r.ru, en: r.en } : r.ru,
      })),
    );
  return (
    <section class="card" data-testid="canned-form">
      <p class="muted">{t('sectionHint')}</p>
      <RowsTable
        rows={rows}
        onChange={setRows}
        rowTestId="canned-row"
        blank={() => ({ shortcut: '', title: '', ru: '', en: '' })}
        columns={[
          { label: t('shortcut'), cell: (r, update) => <input size={8} value={r.shortcut} onInput={(e) => update({ shortcut: e.currentTarget.value })} /> },
          { label: t('title'), cell: (r, update) => <input size={12} value={r.title} onInput={(e) => update({ title: e.currentTarget.value })} /> },
          { label: t('textRu'), cell: (r, update) => <textarea rows={2} value={r.ru} onInput={(e) => update({ ru: e.currentTarget.value })} /> },
          { label: t('textEn'), cell: (r, update) => <textarea rows={2} value={r.en} onInput={(e) => update({ en: e.currentTarget.value })} /> },
        ]}
      >
        <button data-testid="canned-save" onClick={submit}>
          {t('save')}
        </button>
      </RowsTable>
    </section>
  );
}

function PeopleForm({ teams, agents, onSave }: { teams: TeamItem[]; agents: AgentItem[]; onSave: (teams: TeamItem[], agents: AgentItem[]) => Promise<boolean> }) {
  const [teamRows, setTeamRows] = useState(teams);
  const [agentRows, setAgentRows] = useState(agents);
  const num = (v: string) => (v.trim() === '' ? undefined : Number(v));
  return (
    <section class="card" data-testid="people-form">
      <p class="muted">{t('sectionHint')}</p>
      <h3>{t('teams')}</h3>
      <RowsTable
        rows={teamRows}
        onChange={setTeamRows}
        blank={() => ({ name: '', line: 1, strategy: 'round-robin' })}
        columns={[
          { label: t('name'), cell: (r, update) => <input size={10} value={r.name} onInput={(e) => update({ name: e.currentTarget.value })} /> },
          { label: 'line', cell: (r, update) => <input type="number" min={1} max={3} value={r.line ?? ''} onInput={(e) => update({ line: num(e.currentTarget.value) })} /> },
          {
            label: 'strategy',
            cell: (r, update) => (
              <select value={r.strategy ?? 'round-robin'} onChange={(e) => update({ strategy: e.currentTarget.value })}>
                <option>round-robin</option>
                <option>least-loaded</option>
                <option>pool</option>
              </select>
            ),
          },
        ]}
      />
      <h3>{t('agent')}</h3>
      <RowsTable
        rows={agentRows}
        onChange={setAgentRows}
        rowTestId="agent-row"
        blank={() => ({ handle: '', name: '' })}
        columns={[
          { label: t('handle'), cell: (r, update) => <input size={8} value={r.handle} onInput={(e) => update({ handle: e.currentTarget.value })} /> },
          { label: t('name'), cell: (r, update) => <input size={14} value={r.name} onInput={(e) => update({ name: e.currentTarget.value })} /> },
          { label: t('email'), cell: (r, update) => <input size={14} value={r.email ?? ''} onInput={(e) => update({ email: e.currentTarget.value || undefined })} /> },
          {
            label: t('teams'),
            cell: (r, update) => <input size={12} value={(r.teams ?? []).join(', ')} onInput={(e) => update({ teams: splitList(e.currentTarget.value) })} />,
          },
          { label: t('capacity'), cell: (r, update) => <input type="number" min={0} value={r.capacity ?? ''} onInput={(e) => update({ capacity: num(e.currentTarget.value) })} /> },
        ]}
      >
        <button data-testid="people-save" onClick={() => onSave(teamRows, agentRows)}>
          {t('save')}
        </button>
      </RowsTable>
    </section>
  );
}

function SectionYaml({ config, sections, onSave }: { config: Record<string, unknown>; sections: string[]; onSave: (values: Record<string, unknown>) => Promise<boolean> }) {
  const [text, setText] = useState(() => stringify(Object.fromEntries(sections.filter((s) => config[s] !== undefined).map((s) => [s, config[s]]))));
  const [parseError, setParseError] = useState('');
  const submit = () => {
    try {
      const value = (parse(text) ?? {}) as Record<string, unknown>;
      setParseError('');
      void onSave(Object.fromEntries(sections.map((s) => [s, value[s]])));
    } catch (err) {
      setParseError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section class="card" data-testid="section-yaml">
      <p class="muted">{t('sectionHint')}</p>
      <textarea class="code" rows={22} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      {parseError && <p class="error">{parseError}</p>}
      <button onClick={submit}>{t('save')}</button>
    </section>
  );
}

function YamlEditor({ yaml, errorLine, onSave }: { yaml: string; errorLine: number | undefined; onSave: (yaml: string) => Promise<boolean> }) {
  const [text, setText] = useState(yaml);
  const lines = text.split('\n');
  return (
    <section class="card" data-testid="yaml-editor">
      <div class="yaml">
        <pre class="gutter" aria-hidden="true">
          {lines.map((_, i) => (
            <div key={i} class={errorLine === i + 1 ? 'bad' : ''}>
              {i + 1}
            </div>
          ))}
        </pre>
        <textarea class="code" data-testid="yaml-text" rows={Math.min(40, lines.length + 2)} spellcheck={false} wrap="off" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <button data-testid="yaml-save" onClick={() => void onSave(text)}>
        {t('save')}
      </button>
    </section>
  );
}

function Versions() {
  const [versions, setVersions] = useState<Array<{ version: number; author: string; createdAt: string; current: boolean }>>([]);
  useEffect(() => {
    get<{ versions: typeof versions }>('/desk-config/versions').then((r) => setVersions(r.versions), () => undefined);
  }, []);
  return (
    <section class="card">
      <table class="form-table">
        <thead>
          <tr>
            <th>{t('version')}</th>
            <th>{t('author')}</th>
            <th>{t('updated')}</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <td>
                {v.version}
                {v.current ? ' ✓' : ''}
              </td>
              <td>{v.author}</td>
              <td>{formatDate(v.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SlaForm({ policies, calendars, onSave }: { policies: SlaItem[]; calendars: string[]; onSave: (sla: SlaItem[]) => Promise<boolean> }) {
  const [rows, setRows] = useState(policies);
  /** Empty fields are left out of the YAML, as a person would write it. */
  const clean = (r: SlaItem): SlaItem => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== '' && v !== undefined)) as SlaItem;
  return (
    <section class="card" data-testid="sla-form">
      <h3>{t('slaPolicies')}</h3>
      <p class="muted">{t('slaHint')}</p>
      <RowsTable
        rows={rows}
        onChange={setRows}
        rowTestId="sla-row"
        blank={() => ({ priority: 'normal' })}
        columns={[
          {
            label: t('priority'),
            cell: (r, update) => (
              <select value={r.priority} onChange={(e) => update({ priority: e.currentTarget.value })}>
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {priorityLabel(p)}
                  </option>
                ))}
              </select>
            ),
          },
          { label: t('category'), cell: (r, update) => <input size={10} value={r.category ?? ''} onInput={(e) => update({ category: e.currentTarget.value })} /> },
          {
            label: t('calendar'),
            cell: (r, update) => (
              <select value={r.calendar ?? ''} onChange={(e) => update({ calendar: e.currentTarget.value })}>
                <option value="">24/7</option>
                {calendars.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            ),
          },
          { label: t('firstResponse'), cell: (r, update) => <input size={6} value={r.firstResponse ?? ''} placeholder="2h" onInput={(e) => update({ firstResponse: e.currentTarget.value })} /> },
          { label: t('resolution'), cell: (r, update) => <input size={6} value={r.resolution ?? ''} placeholder="1d" onInput={(e) => update({ resolution: e.currentTarget.value })} /> },
        ]}
      >
        <button data-testid="sla-save" onClick={() => onSave(rows.map(clean))}>
          {t('save')}
        </button>
      </RowsTable>
    </section>
  );
}
