import { useEffect, useRef, useState } from 'react';
import type { ReportFormat, ReportKind } from '../../src-common/reports/report.contract.js';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { Icon, type IconName } from '../app/icons.js';
import { Spinner } from '../app/ui.js';
import { dateInputValue, PRESET_IDS, PRESETS, type Period } from './report-period.js';
import { FORMAT_LABELS } from './use-reports.js';

/** The Reports page's controls: which report, over which period, for which hosts, and export. */

export const KINDS: { id: ReportKind; label: string; icon: IconName; hint: string }[] = [
  { id: 'usage', label: 'Usage', icon: 'activity', hint: 'CPU, GPU and memory use per user and group, utilisation per host' },
  { id: 'inventory', label: 'Inventory', icon: 'server', hint: 'Hosts, systems, CPUs, memory, disks and GPUs as last inventoried' },
  { id: 'audit', label: 'Audit', icon: 'scroll', hint: 'What Fleetdeck did on your hosts, and whether it worked' },
];

export function KindTabs({ value, onChange }: { value: ReportKind; onChange: (k: ReportKind) => void }) {
  return (
    <div className="segmented report-kinds" role="tablist" aria-label="Report">
      {KINDS.map((k) => (
        <button key={k.id} type="button" role="tab" aria-selected={value === k.id} className={value === k.id ? 'is-active' : undefined} onClick={() => onChange(k.id)} data-testid={`report-kind-${k.id}`} title={k.hint}>
          <Icon name={k.icon} size={15} />
          {k.label}
        </button>
      ))}
    </div>
  );
}

export function PeriodPicker({ value, onChange, error }: { value: Period; onChange: (p: Period) => void; error: string | null }) {
  const custom = value.kind === 'custom';
  const startCustom = () => {
    const now = Date.now();
    onChange({ kind: 'custom', from: dateInputValue(now - 6 * 86_400_000), to: dateInputValue(now) });
  };
  return (
    <div className="report-control">
      <span className="report-control-label" id="report-period-label">
        Period
      </span>
      <div className="report-period">
        <div className="range-switch" role="radiogroup" aria-labelledby="report-period-label">
          {PRESET_IDS.map((p) => {
            const on = value.kind === 'preset' && value.preset === p;
            return (
              <button key={p} type="button" role="radio" aria-checked={on} className={on ? 'is-active' : undefined} onClick={() => onChange({ kind: 'preset', preset: p, now: Date.now() })} data-testid={`report-period-${p}`}>
                {PRESETS[p].label}
              </button>
            );
          })}
          <button type="button" role="radio" aria-checked={custom} className={custom ? 'is-active' : undefined} onClick={() => !custom && startCustom()} data-testid="report-period-custom">
            Custom
          </button>
        </div>
        {value.kind === 'custom' ? (
          <div className="report-dates">
            <input type="date" className="input" aria-label="First day" value={value.from} max={value.to || undefined} onChange={(e) => onChange({ ...value, from: e.target.value })} aria-invalid={!!error} data-testid="report-from" />
            <span className="muted" aria-hidden="true">
              to
            </span>
            <input type="date" className="input" aria-label="Last day" value={value.to} min={value.from || undefined} onChange={(e) => onChange({ ...value, to: e.target.value })} aria-invalid={!!error} data-testid="report-to" />
          </div>
        ) : null}
      </div>
      {error ? (
        <div className="field-error" role="alert" data-testid="report-period-error">
          {error}
        </div>
      ) : null}
    </div>
  );
}

/**
 * All hosts, or the hosts ticked below "All hosts" (ticking one starts a selection; clearing
 * the last one, or ticking "All hosts", goes back to all). Closes on Escape or a click outside.
 */
export function HostPicker({ hosts, selected, onChange }: { hosts: HostWithState[]; selected: number[] | null; onChange: (ids: number[] | null) => void }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const chosen = selected ?? [];
  const label = selected === null ? `All hosts (${hosts.length})` : selected.length === 1 ? (hosts.find((h) => h.id === selected[0])?.name ?? '1 host') : `${selected.length} of ${hosts.length} hosts`;
  const toggle = (id: number) => {
    const next = chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id];
    onChange(next.length === 0 || next.length === hosts.length ? null : next);
  };
  return (
    <div className="report-control" ref={root}>
      <span className="report-control-label">Hosts</span>
      <div className="host-picker">
        <button type="button" className="button host-picker-button" aria-haspopup="true" aria-expanded={open} onClick={() => setOpen((o) => !o)} data-testid="report-hosts">
          <Icon name="server" size={14} />
          <span className="truncate">{label}</span>
          <Icon name="chevronRight" size={14} className="host-picker-chevron" />
        </button>
        {open ? (
          <div className="host-picker-menu" role="group" aria-label="Hosts in the report" data-testid="report-hosts-menu">
            <label className="host-picker-item host-picker-all">
              <input type="checkbox" className="checkbox" checked={selected === null} onChange={() => onChange(null)} />
              <span>All hosts</span>
            </label>
            <div className="host-picker-list">
              {hosts.map((h) => (
                <label key={h.id} className="host-picker-item" data-testid={`report-host-${h.name}`}>
                  <input type="checkbox" className="checkbox" checked={chosen.includes(h.id)} onChange={() => toggle(h.id)} />
                  <span className="truncate">{h.name}</span>
                  <span className="muted truncate small-text">{h.address}</span>
                </label>
              ))}
              {hosts.length === 0 ? <div className="muted small-text host-picker-empty">No hosts yet.</div> : null}
            </div>
          </div>
        ) : null}
      </div>
    </div>
  );
}

const FORMATS: { id: ReportFormat; hint: string }[] = [
  { id: 'pdf', hint: 'A4 pages with charts, for sharing and printing' },
  { id: 'csv', hint: 'Tables for a spreadsheet (raw numbers)' },
  { id: 'json', hint: 'The report model, for scripts' },
  { id: 'html', hint: 'One self-contained page with charts' },
];

export function ExportButtons({ busy, disabled, onExport }: { busy: ReportFormat | null; disabled: boolean; onExport: (f: ReportFormat) => void }) {
  return (
    <div className="report-export" role="group" aria-label="Export">
      <span className="report-control-label">Export</span>
      <div className="report-export-buttons">
        {FORMATS.map((f) => (
          <button
            key={f.id}
            type="button"
            className={`button${f.id === 'pdf' ? ' primary' : ''}`}
            disabled={disabled || busy !== null}
            aria-busy={busy === f.id}
            onClick={() => onExport(f.id)}
            title={f.hint}
            data-testid={`report-export-${f.id}`}
          >
            {busy === f.id ? <Spinner /> : <Icon name="download" size={14} />}
            {FORMAT_LABELS[f.id]}
          </button>
        ))}
      </div>
    </div>
  );
}
