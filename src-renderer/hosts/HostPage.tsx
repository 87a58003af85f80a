import { lazy, Suspense } from 'react';
import { errorMessage } from '../api/api-error.js';
import { useAppActions } from '../app/app-actions.js';
import { useOpenTerminal } from '../terminal/terminals-context.js';
import { Icon, type IconName } from '../app/icons.js';
import { hostHref, type HostTab } from '../app/route.js';
import { Badge, EmptyState, ErrorState, Notice, Skeleton, Spinner, StatusDot, TagList } from '../app/ui.js';
import { useNow } from '../app/use-now.js';
import { formatAgo } from '../format.js';
import { InventoryTabs } from '../inventory/InventoryTabs.js';
import { useProbe, useRefreshInventory, useSnapshot } from '../inventory/use-inventory.js';
import { useLive, useMonitorStart } from '../monitor/use-monitor.js';
import { ChangeBanner } from '../services/ChangeBanner.js';
import { useConnectFlow } from './connect-flow.js';
import { ConnectButton } from './ConnectButton.js';
import { ConnectionLog } from './ConnectionLog.js';
import { ConnectSteps } from './ConnectSteps.js';
import { awaitsHostKeyCheck, describeConnection } from './connection-state.js';
import { hostAddressLabel } from './HostCard.js';
import { useHost } from './use-hosts.js';

// Charts (and the kill dialog) load with the Monitor tab, not with every host page.
const MonitorTab = lazy(() => import('../monitor/MonitorTab.js').then((m) => ({ default: m.MonitorTab })));
const ServicesTab = lazy(() => import('../services/ServicesTab.js').then((m) => ({ default: m.ServicesTab })));

const TABS: Array<{ id: HostTab; label: string; icon: IconName }> = [
  { id: 'overview', label: 'Overview', icon: 'gauge' },
  { id: 'monitor', label: 'Monitor', icon: 'activity' },
  { id: 'gpus', label: 'GPUs', icon: 'layers' },
  { id: 'users', label: 'Users', icon: 'users' },
  { id: 'containers', label: 'Containers', icon: 'box' },
  { id: 'disks', label: 'Disks', icon: 'disk' },
  { id: 'services', label: 'Services', icon: 'wrench' },
];

const TONE_BADGE = { idle: 'neutral', busy: 'busy', ok: 'ok', warn: 'warn', error: 'error' } as const;

export function HostPage({ id, tab }: { id: number; tab: HostTab }) {
  const host = useHost(id);
  const actions = useAppActions();
  const openTerminal = useOpenTerminal();
  const flow = useConnectFlow();
  const now = useNow(15_000);
  const data = host.data;
  const connected = data?.connection.state === 'connected';
  const probe = useProbe(id, connected);
  const snapshot = useSnapshot(id, connected);
  const refresh = useRefreshInventory(id);
  // A shown, connected host streams its samples (kept when the page goes: the fleet shows them too).
  useMonitorStart(id, data?.connection);
  const live = useLive(id, connected);

  if (host.isPending) {
    return (
      <div className="page host-page" data-testid="host-page" aria-busy="true">
        <Skeleton className="skeleton-heading" />
        <Skeleton className="skeleton-line" />
        <Skeleton className="skeleton-block" />
      </div>
    );
  }
  if (host.isError) {
    return <ErrorState title="Could not load this host" message={errorMessage(host.error)} onRetry={() => void host.refetch()} testId="host-error" />;
  }
  if (!data) {
    return (
      <EmptyState icon="server" title="Host not found" testId="host-not-found" actions={<a className="button" href="#/">Back to the fleet</a>}>
        It may have been removed.
      </EmptyState>
    );
  }

  const view = describeConnection(data.connection, now, flow.askingHostKey === id);
  const c = data.connection;
  const refreshing = probe.isFetching || snapshot.isFetching;
  const hasData = Boolean(probe.data || snapshot.data);

  return (
    <div className="page host-page" data-testid="host-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href="#/">Fleet</a>
        <Icon name="chevronRight" size={12} />
        <span aria-current="page">{data.name}</span>
      </nav>
      <header className="host-header">
        <div className="host-header-main">
          <div className="host-title-row">
            <StatusDot tone={view.tone} label={view.label} />
            <h1 className="page-title truncate" data-testid="host-title">
              {data.name}
            </h1>
            <Badge tone={TONE_BADGE[view.tone]} testId="host-state">
              {view.label}
            </Badge>
          </div>
          <div className="host-meta">
            <span className="mono">{hostAddressLabel(data)}</span>
            {data.jump.length > 0 ? <span className="muted">via {data.jump.map((j) => j.address).join(' → ')}</span> : null}
            {snapshot.data ? <span className="muted">Inventory from {formatAgo(snapshot.data.takenAt, now)}</span> : null}
            {c.state === 'connected' && c.helper === 'agent' ? (
              c.agentPerUser ? (
                <span className="muted" title="Fleetdeck reaches your own per-user agent on this host through the SSH connection. It runs without root: it sees only what your account may see, and a reboot of the host stops it until you apply the agent again." data-testid="host-via-agent" data-per-user="true">
                  through your own agent (no root)
                </span>
              ) : (
                <span className="muted" title="Fleetdeck reaches this host's resident agent through the SSH connection: nothing is started on the host to connect, and history has no gaps while this laptop is away." data-testid="host-via-agent">
                  through its agent
                </span>
              )
            ) : null}
            <TagList tags={data.tags} />
          </div>
        </div>
        <div className="page-actions">
          {connected ? (
            <button type="button" className="button" onClick={() => void refresh()} disabled={refreshing} data-testid="refresh-inventory">
              {refreshing ? <Spinner /> : <Icon name="refresh" size={14} />}
              Refresh
            </button>
          ) : null}
          <button type="button" className="button" onClick={() => openTerminal(data)} title="Open a terminal (T)" data-testid="open-terminal-button">
            <Icon name="terminal" size={14} />
            Terminal
          </button>
          <button type="button" className="icon-button bordered" aria-label="Edit host" title="Edit" onClick={() => actions.editHost(data)} data-testid="edit-host-button">
            <Icon name="edit" />
          </button>
          <button type="button" className="icon-button bordered" aria-label="Remove host" title="Remove" onClick={() => actions.removeHost(data)} data-testid="remove-host-button">
            <Icon name="trash" />
          </button>
          <ConnectButton host={data} />
        </div>
      </header>
      {c.state === 'connecting' ? (
        <div className="host-connecting">
          <span>{view.label}</span>
          <ConnectSteps step={c.step} />
        </div>
      ) : null}
      {c.state === 'failed' && awaitsHostKeyCheck(c) ? (
        <Notice tone="info" testId="host-hostkey-question">
          <strong>{view.label}.</strong> Fleetdeck has not seen this server&apos;s key before: compare its fingerprint with the server&apos;s before trusting it.
        </Notice>
      ) : c.state === 'failed' ? (
        <Notice tone="error" testId="host-problem">
          <strong>{view.label}.</strong> {c.message}
        </Notice>
      ) : null}
      {c.state === 'connected' && c.note ? (
        <Notice tone="warning" testId="host-agent-note">
          {c.note}
        </Notice>
      ) : null}
      {c.state !== 'connected' && hasData ? (
        <Notice tone="info" testId="host-stale">
          Not connected: showing what Fleetdeck saw last{snapshot.data ? `, ${formatAgo(snapshot.data.takenAt, now)}` : ''}.
        </Notice>
      ) : null}
      <ChangeBanner hostId={id} hostName={data.name} connected={connected} />
      <nav className="tabs" role="tablist" aria-label="Host sections">
        {TABS.map((t, i) => (
          <a
            key={t.id}
            href={hostHref(id, t.id)}
            role="tab"
            aria-selected={tab === t.id}
            className={`tab${tab === t.id ? ' is-active' : ''}`}
            data-testid={`tab-${t.id}`}
            title={`${t.label} (${i + 1})`}
          >
            <Icon name={t.icon} size={15} />
            {t.label}
          </a>
        ))}
      </nav>
      <section className="tab-panel" role="tabpanel" data-testid={`panel-${tab}`}>
        {tab === 'monitor' ? (
          <Suspense fallback={<Skeleton className="skeleton-block" />}>
            <MonitorTab host={data} />
          </Suspense>
        ) : tab === 'services' ? (
          <Suspense fallback={<Skeleton className="skeleton-block" />}>
            <ServicesTab host={data} />
          </Suspense>
        ) : !connected && !hasData ? (
          <EmptyState icon="plug" title={`Connect to ${data.name} to see its ${TABS.find((t) => t.id === tab)?.label.toLowerCase() ?? 'details'}`} testId="host-not-connected">
            Fleetdeck reads the inventory over SSH once connected: OS facts, CPU and memory, GPUs, users, containers and disks. Use the Connect button above.
          </EmptyState>
        ) : (
          <InventoryTabs tab={tab} probe={probe} snapshot={snapshot} now={now} connected={connected} host={{ id, name: data.name }} live={connected && live.data?.latest ? { sample: live.data.latest, receivedAt: live.dataUpdatedAt } : null} />
        )}
      </section>
      {tab === 'overview' ? <ConnectionLog id={id} open={c.state === 'failed'} /> : null}
    </div>
  );
}
