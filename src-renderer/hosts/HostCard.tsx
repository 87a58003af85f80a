import { lazy, Suspense } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { useAppActions } from '../app/app-actions.js';
import { Icon } from '../app/icons.js';
import { hostHref } from '../app/route.js';
import { StatusDot, TagList } from '../app/ui.js';
import { useNow } from '../app/use-now.js';
import { HostCardMetrics } from '../inventory/HostCardMetrics.js';
import { osLabel } from '../inventory/summary.js';
import { useProbe, useSnapshot } from '../inventory/use-inventory.js';
import { useLive, useMonitorStart } from '../monitor/use-monitor.js';
import { useConnectFlow } from './connect-flow.js';
import { ConnectButton } from './ConnectButton.js';
import { ConnectSteps } from './ConnectSteps.js';
import { awaitsHostKeyCheck, describeConnection, describeOffline } from './connection-state.js';
import { useLastConnected } from './use-hosts.js';

// The sparklines bring the charting library: loaded once a host streams, not for an empty fleet.
const CardLiveMetrics = lazy(() => import('../monitor/CardLiveMetrics.js').then((m) => ({ default: m.CardLiveMetrics })));

export function hostAddressLabel(host: Pick<HostWithState, 'user' | 'address' | 'port'>): string {
  const address = host.address.includes(':') ? `[${host.address}]` : host.address;
  return `${host.user}@${address}${host.port === 22 ? '' : `:${host.port}`}`;
}

/** One host on the fleet page: who, where, how it is connected, and what it has. */
export function HostCard({ host }: { host: HostWithState }) {
  const actions = useAppActions();
  const flow = useConnectFlow();
  const now = useNow(30_000);
  const view = describeConnection(host.connection, now, flow.askingHostKey === host.id);
  const connected = host.connection.state === 'connected';
  const probe = useProbe(host.id, connected);
  const snapshot = useSnapshot(host.id, connected);
  const monitorStart = useMonitorStart(host.id, host.connection);
  const live = useLive(host.id, connected);
  const c = host.connection;
  const liveState = connected && live.data?.latest ? live.data : null;
  // When it was last seen up in this session; without that, the audit log says whether it ever connected.
  const lastSeen = live.data?.latest?.t ?? snapshot.data?.takenAt ?? null;
  const lastConnected = useLastConnected(host, c.state === 'failed' && !awaitsHostKeyCheck(c) && lastSeen === null);
  const offline = describeOffline(c, { lastSeen, lastConnected: lastConnected.isSuccess ? lastConnected.data : undefined }, now);
  const os = probe.data ? osLabel(probe.data) : null;
  const kernel = probe.data ? `Linux ${probe.data.kernel} (${probe.data.arch})` : null;

  return (
    <article className={`host-card tone-${view.tone}`} data-testid={`host-card-${host.name}`} data-state={c.state} aria-label={host.name}>
      <header className="host-card-head">
        <StatusDot tone={view.tone} label={view.label} />
        <a className="host-card-name truncate" href={hostHref(host.id)} data-testid="host-card-link">
          {host.name}
        </a>
        <div className="host-card-tools">
          <button type="button" className="icon-button small" aria-label={`Edit ${host.name}`} title="Edit" onClick={() => actions.editHost(host)} data-testid="edit-host-button">
            <Icon name="edit" size={14} />
          </button>
          <button type="button" className="icon-button small" aria-label={`Remove ${host.name}`} title="Remove" onClick={() => actions.removeHost(host)} data-testid="remove-host-button">
            <Icon name="trash" size={14} />
          </button>
        </div>
      </header>
      <div className="host-card-address mono truncate" title={hostAddressLabel(host)}>
        {hostAddressLabel(host)}
        {host.jump.length > 0 ? <span className="via"> via {host.jump.map((j) => j.address).join(' → ')}</span> : null}
      </div>
      <div className="host-card-badges">
        <div className={`host-card-state state-${view.tone}`} data-testid="host-card-state">
          <span className="truncate">{c.state === 'connected' && view.detail ? view.detail : view.label}</span>
        </div>
        {offline ? (
          <span className={`offline-since${offline.never ? ' is-never' : ''}`} data-testid="host-card-offline" title={offline.at !== null ? new Date(offline.at).toLocaleString() : undefined}>
            <Icon name={offline.never ? 'plug' : 'clock'} size={12} />
            {offline.text}
          </span>
        ) : null}
        <TagList tags={host.tags} limit={4} />
      </div>
      {c.state === 'connecting' ? <ConnectSteps step={c.step} /> : null}
      {c.state === 'failed' && !awaitsHostKeyCheck(c) ? (
        <p className="host-card-problem" role="alert" data-testid="host-card-problem">
          {c.message}
        </p>
      ) : null}
      {/* Distro and kernel wrap onto two lines before either is cut; a cut one keeps its full text as a tooltip. */}
      <div className="host-card-os" data-testid="host-card-distro">
        {probe.data ? (
          <>
            <span className="host-card-distro truncate" title={os ?? undefined}>
              {os}
            </span>
            <span className="host-card-kernel mono truncate" title={kernel ?? undefined}>
              {probe.data.kernel}
            </span>
          </>
        ) : (
          <span className="muted">{connected ? 'Probing…' : 'Not probed yet'}</span>
        )}
      </div>
      {liveState ? (
        <Suspense fallback={<HostCardMetrics snapshot={snapshot} connected={connected} now={now} />}>
          <CardLiveMetrics live={liveState} inventory={snapshot.data} />
        </Suspense>
      ) : (
        <HostCardMetrics snapshot={snapshot} connected={connected} now={now} />
      )}
      {connected && monitorStart.isError ? (
        <p className="host-card-note" data-testid="card-monitor-error" title={monitorStart.error.message}>
          <Icon name="alert" size={13} />
          <span className="truncate">Live metrics unavailable: {monitorStart.error.message}</span>
        </p>
      ) : null}
      <footer className="host-card-foot">
        <a className="button ghost small" href={hostHref(host.id)} data-testid="open-host">
          Details
          <Icon name="chevronRight" size={14} />
        </a>
        <ConnectButton host={host} size="small" />
      </footer>
    </article>
  );
}
