import { useState, type ReactNode } from 'react';

/** A plain table for the preview; long ones show their first rows and offer the rest. */
export interface Column<T> {
  header: string;
  /**
   * The unit of every cell ("CPU-minutes"), under the header. Where the table is narrow a
   * CPU- or GPU- prefix is left out under its CPU or GPU header ("CPU / minutes"), so the
   * figures keep the room.
   */
  unit?: string;
  cell: (row: T) => ReactNode;
  num?: boolean;
  className?: string;
}

function Unit({ header, unit }: { header: string; unit: string }) {
  const prefix = `${header}-`;
  if (!unit.startsWith(prefix)) return <span className="th-unit">{unit}</span>;
  return (
    <span className="th-unit">
      <span className="th-unit-prefix">{prefix}</span>
      {unit.slice(prefix.length)}
    </span>
  );
}

export function ReportTable<T>({ columns, rows, rowKey, testId, limit = 50, empty }: { columns: Column<T>[]; rows: T[]; rowKey: (row: T, i: number) => string | number; testId?: string; limit?: number; empty?: string }) {
  const [all, setAll] = useState(false);
  if (!rows.length) return <p className="report-empty-line muted">{empty ?? 'Nothing in this period.'}</p>;
  const shown = all ? rows : rows.slice(0, limit);
  const cls = (c: Column<T>) => [c.num ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <div className="table-wrap">
        <table className="table report-table" data-testid={testId} data-rows={rows.length}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.header} className={cls(c)} scope="col">
                  {c.header}
                  {c.unit ? <Unit header={c.header} unit={c.unit} /> : null}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => (
              <tr key={rowKey(r, i)}>
                {columns.map((c) => (
                  <td key={c.header} className={cls(c)}>
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > shown.length ? (
        <button type="button" className="button ghost small report-more" onClick={() => setAll(true)}>
          Show all {rows.length} rows
        </button>
      ) : null}
    </>
  );
}
