import type { NetInterface } from '../../src-common/inventory/inventory.schema.js';
import { Badge } from '../app/ui.js';
import { formatBytes } from '../format.js';

function speed(mbps: number | null): string {
  if (mbps === null || mbps <= 0) return '—';
  return mbps >= 1000 ? `${mbps / 1000} Gb/s` : `${mbps} Mb/s`;
}

export function NetworkPanel({ interfaces }: { interfaces: NetInterface[] }) {
  return (
    <section className="panel" data-testid="network-panel">
      <h2 className="panel-title">Network</h2>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th>Interface</th>
              <th>State</th>
              <th>Addresses</th>
              <th className="num">Speed</th>
              <th className="num">Received</th>
              <th className="num">Sent</th>
            </tr>
          </thead>
          <tbody>
            {interfaces.map((n) => (
              <tr key={n.name} data-testid={`net-row-${n.name}`}>
                <td className="mono strong">{n.name}</td>
                <td>
                  <Badge tone={n.state === 'up' ? 'ok' : n.state === 'down' ? 'neutral' : 'neutral'}>{n.state}</Badge>
                </td>
                <td className="mono small-text">{n.addresses.length ? n.addresses.join(', ') : <span className="muted">none</span>}</td>
                <td className="num">{speed(n.speedMbps)}</td>
                <td className="num">{formatBytes(n.rxBytes)}</td>
                <td className="num">{formatBytes(n.txBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
