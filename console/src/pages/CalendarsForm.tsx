/**
 * Business calendars in a form: a row per calendar with its name, IANA time zone, working hours
 * per weekday ("09:00-13:00, 14:00-18:00"; empty = closed) and holidays ("YYYY-MM-DD" once,
 * "MM-DD" every year, one a line). The server validates the times and dates.
 */
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { RowsTable, splitList } from './RowsTable';

/** A calendar as the desk configuration holds it (under its name). */
export interface CalendarItem {
  timeZone?: string;
  hours?: Record<string, string[]>;
  holidays?: Array<string | number>;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

interface Row {
  name: string;
  timeZone: string;
  /** Per weekday: the day's ranges, comma-separated. */
  hours: Record<string, string>;
  /** One a line. */
  holidays: string;
}

function toRow(name: string, c: CalendarItem): Row {
  const hours = Object.fromEntries(Object.entries(c.hours ?? {}).map(([day, list]) => [day, Array.isArray(list) ? list.join(', ') : String(list)]));
  return { name, timeZone: c.timeZone ?? '', hours, holidays: (c.holidays ?? []).map(String).join('\n') };
}

function fromRow(r: Row): CalendarItem {
  const hours = Object.fromEntries(Object.entries(r.hours).flatMap(([day, text]) => (splitList(text).length ? [[day, splitList(text)]] : [])));
  const holidays = r.holidays
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return { timeZone: r.timeZone.trim(), hours, ...(holidays.length ? { holidays } : {}) };
}

export function CalendarsForm({ calendars, onSave }: { calendars: Record<string, CalendarItem>; onSave: (calendars: Record<string, CalendarItem>) => Promise<boolean> }) {
  const [rows, setRows] = useState(() => Object.entries(calendars).map(([name, c]) => toRow(name, c)));
  const [problem, setProblem] = useState('');
  const days = t('weekdays').split(' ');
  const submit = () => {
    const names = rows.map((r) => r.name.trim());
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) {
      setProblem(t('duplicateCalendar', { name: twice }));
      return;
    }
    setProblem('');
    void onSave(Object.fromEntries(rows.map((r) => [r.name.trim(), fromRow(r)])));
  };
  return (
    <section class="card" data-testid="calendars-form">
      <h3>{t('calendars')}</h3>
      <p class="muted">{t('calendarsHint')}</p>
      <RowsTable
        rows={rows}
        onChange={setRows}
        rowTestId="calendar-row"
        addTestId="calendar-add"
        blank={() => ({ name: '', timeZone: 'Europe/Moscow', hours: Object.fromEntries(WEEKDAYS.slice(0, 5).map((d) => [d, '09:00-18:00'])), holidays: '' })}
        columns={[
          { label: t('name'), cell: (r, update) => <input name="name" size={10} value={r.name} onInput={(e) => update({ name: e.currentTarget.value })} /> },
          { label: t('timeZone'), cell: (r, update) => <input name="timeZone" size={14} value={r.timeZone} placeholder="Europe/Moscow" onInput={(e) => update({ timeZone: e.currentTarget.value })} /> },
          {
            label: t('workingHours'),
            cell: (r, update) => (
              <div class="weekdays">
                {WEEKDAYS.map((day, k) => (
                  <label key={day}>
                    <span>{days[k] ?? day}</span>
                    <input name={`hours-${day}`} value={r.hours[day] ?? ''} placeholder="—" onInput={(e) => update({ hours: { ...r.hours, [day]: e.currentTarget.value } })} />
                  </label>
                ))}
              </div>
            ),
          },
          {
            label: t('holidays'),
            cell: (r, update) => <textarea name="holidays" rows={4} value={r.holidays} placeholder={"01-01\n2026-12-31"} onInput={(e) => update({ holidays: e.currentTarget.value })} />,
          },
        ]}
      >
        <button data-testid="calendars-save" onClick={submit}>
          {t('save')}
        </button>
      </RowsTable>
      {problem && <p class="error">{problem}</p>}
    </section>
  );
}
