/**
 * A table of editable rows, the shape the configuration forms repeat: a column per field, a ✕ to
 * remove a row, "+ Add" for a blank one. The rows are the caller's state; `children` go next to
 * "+ Add" (a form's save button).
 */
import type { ComponentChildren } from 'preact';
import { t } from '../i18n';

export interface Column<R> {
  label: ComponentChildren;
  /** The cell's editor; `update` merges a patch into this row. */
  cell: (row: R, update: (patch: Partial<R>) => void, index: number) => ComponentChildren;
}

export function RowsTable<R>({
  rows,
  onChange,
  columns,
  blank,
  rowTestId,
  addTestId,
  children,
}: {
  rows: R[];
  onChange: (rows: R[]) => void;
  columns: Array<Column<R>>;
  /** A new row for "+ Add". */
  blank: () => NoInfer<R>;
  rowTestId?: string;
  addTestId?: string;
  children?: ComponentChildren;
}) {
  const update = (i: number, patch: Partial<R>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <>
      <table class="form-table">
        <thead>
          <tr>
            {columns.map((c, k) => (
              <th key={k}>{c.label}</th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} data-testid={rowTestId}>
              {columns.map((c, k) => (
                <td key={k}>{c.cell(r, (patch) => update(i, patch), i)}</td>
              ))}
              <td>
                <button class="link" aria-label={t('remove')} title={t('remove')} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        <button class="secondary" data-testid={addTestId} onClick={() => onChange([...rows, blank()])}>
          + {t('add')}
        </button>
        {children}
      </div>
    </>
  );
}

/** "a, b ,c" → ["a", "b", "c"]: the value of a list field typed comma-separated. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
