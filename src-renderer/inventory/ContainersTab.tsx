import type { Container, Inventory } from '../../src-common/inventory/inventory.schema.js';
import type { Probe } from '../../src-common/inventory/probe.schema.js';
import { Badge, EmptyState } from '../app/ui.js';
import { formatBytes, formatNanoCpus, plural } from '../format.js';
import { sectionFailed, SectionNotices, TAB_SECTIONS } from './SectionNotices.js';

const STATE_TONE: Record<string, 'ok' | 'warn' | 'error' | 'neutral' | 'busy'> = {
  running: 'ok',
  paused: 'warn',
  restarting: 'busy',
  dead: 'error',
  exited: 'neutral',
  created: 'neutral',
  removing: 'busy',
};

function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <span className="muted">—</span>;
  const shown = entries.slice(0, 3);
  return (
    <ul className="chip-list">
      {shown.map(([k, v]) => (
        <li key={k} className="chip mono" title={`${k}=${v}`}>
          {k}={v}
        </li>
      ))}
      {entries.length > shown.length ? (
        <li className="chip chip-more" title={entries.slice(3).map(([k, v]) => `${k}=${v}`).join('\n')}>
          +{entries.length - shown.length}
        </li>
      ) : null}
    </ul>
  );
}

function Limits({ c }: { c: Container }) {
  const parts = [
    c.limits.nanoCpus ? formatNanoCpus(c.limits.nanoCpus) : null,
    c.limits.memoryBytes ? `${formatBytes(c.limits.memoryBytes)} memory` : null,
    c.limits.gpus.length ? `GPU ${c.limits.gpus.join(', ')}` : null,
  ].filter(Boolean);
  return parts.length ? <span>{parts.join(' · ')}</span> : <span className="muted">no limits</span>;
}

export function ContainersTab({ inventory, probe }: { inventory: Inventory; probe: Probe | undefined }) {
  const containers = [...inventory.containers].sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running') || a.name.localeCompare(b.name));
  const runtimes = probe?.containerRuntimes.filter((r) => r.present) ?? [];
  const blocked = runtimes.filter((r) => !r.accessible);
  if (containers.length === 0) {
    return (
      <>
        <SectionNotices inventory={inventory} names={TAB_SECTIONS.containers} />
        {sectionFailed(inventory, 'containers') ? null : (
          <EmptyState icon="box" title="No containers" testId="containers-empty">
            {runtimes.length === 0
              ? 'Neither Docker nor Podman is installed on this host.'
              : blocked.length > 0
                ? `${blocked.map((r) => r.name).join(' and ')} is installed, but the login user cannot reach its socket, so containers cannot be listed.`
                : `${runtimes.map((r) => r.name).join(' and ')} has no containers on this host.`}
          </EmptyState>
        )}
      </>
    );
  }
  const running = containers.filter((c) => c.state === 'running').length;
  return (
    <div className="containers" data-testid="containers">
      <SectionNotices inventory={inventory} names={TAB_SECTIONS.containers} />
      <div className="table-toolbar">
        <span className="muted">
          {plural(containers.length, 'container')}, {running} running
        </span>
      </div>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Image</th>
              <th>State</th>
              <th>Limits</th>
              <th>Labels</th>
            </tr>
          </thead>
          <tbody>
            {containers.map((c) => (
              <tr key={c.id} data-testid={`container-row-${c.name}`}>
                <td>
                  <div className="strong nowrap">{c.name}</div>
                  <div className="muted small-text mono">{c.id.slice(0, 12)}</div>
                </td>
                <td className="mono small-text truncate-cell" title={c.image}>
                  {c.image}
                </td>
                <td>
                  <Badge tone={STATE_TONE[c.state] ?? 'neutral'}>{c.state}</Badge>
                  <div className="muted small-text">{c.status}</div>
                </td>
                <td className="small-text">
                  <Limits c={c} />
                </td>
                <td>
                  <Labels labels={c.labels} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
