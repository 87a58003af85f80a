import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import type { Probe } from '../../src-common/inventory/probe.schema.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { Badge, ChipList, ErrorState, Meter, Skeleton } from '../app/ui.js';
import { useNow } from '../app/use-now.js';
import { formatBytes, formatBytesOf, formatDuration, formatLoad, plural, ratioPercent } from '../format.js';
import { NetworkPanel } from './NetworkPanel.js';
import { resourceView, type LiveInput, type ResourceView } from './overview-resources.js';
import { SectionNotices } from './SectionNotices.js';
import { osLabel } from './summary.js';

interface Props {
  probe: UseQueryResult<Probe>;
  snapshot: UseQueryResult<Inventory>;
  /** The newest live sample while the monitor streams, with when it arrived. */
  live: LiveInput | null;
  connected: boolean;
}

const VENDOR = { nvidia: 'NVIDIA', amd: 'AMD', intel: 'Intel' } as const;

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function SystemFacts({ probe }: { probe: Probe }) {
  const { os } = probe;
  const runtimes = probe.containerRuntimes.filter((r) => r.present);
  return (
    <dl className="facts" data-testid="probe-facts">
      <Fact label="Distribution">
        <span data-testid="probe-distro">{osLabel(probe)}</span>{' '}
        {os.supported ? (
          <Badge tone="ok" title={os.matchedRow ?? undefined}>
            Supported
          </Badge>
        ) : (
          <Badge tone="warn">Not in the supported list</Badge>
        )}
      </Fact>
      <Fact label="Version" testId="probe-version">
        {os.versionId ?? '—'}
      </Fact>
      <Fact label="Family" testId="probe-family">
        {os.family}
        {os.idLike.length && os.idLike.join(' ') !== os.family ? <span className="muted">(like {os.idLike.join(', ')})</span> : null}
      </Fact>
      <Fact label="Kernel" testId="probe-kernel">
        <span className="mono">{probe.kernel}</span>
      </Fact>
      <Fact label="Architecture" testId="probe-arch">
        <span className="mono">{probe.arch}</span>
      </Fact>
      <Fact label="C library" testId="probe-libc">
        {probe.libc.kind}
        {probe.libc.version ? ` ${probe.libc.version}` : ''}
      </Fact>
      <Fact label="Package manager" testId="probe-packages">
        {probe.packageBackend}
      </Fact>
      <Fact label="Init system" testId="probe-init">
        {probe.serviceManager}
      </Fact>
      <Fact label="cgroups" testId="probe-cgroup">
        <span>{probe.cgroup.mode}</span>
        {probe.cgroup.controllers.length ? (
          <ChipList items={probe.cgroup.controllers} mono label="Controllers" />
        ) : null}
      </Fact>
      <Fact label="Virtualization" testId="probe-virt">
        {probe.virtualization.kind}
        {probe.virtualization.container ? <span className="muted"> (container)</span> : null}
      </Fact>
      <Fact label="Container runtimes" testId="probe-runtimes">
        {runtimes.length === 0
          ? 'none'
          : runtimes.map((r) => (
              <span key={r.name} className="runtime">
                {r.name}
                {r.version ? ` ${r.version}` : ''}
                {r.accessible ? null : (
                  <Badge tone="warn" title="The login user cannot reach the runtime's socket">
                    no access
                  </Badge>
                )}
              </span>
            ))}
      </Fact>
      <Fact label="GPU vendors" testId="probe-gpus">
        {probe.gpuVendors.length ? probe.gpuVendors.map((v) => VENDOR[v]).join(', ') : 'none'}
      </Fact>
      <Fact label="SELinux" testId="probe-selinux">
        {probe.security.selinux}
      </Fact>
      <Fact label="AppArmor" testId="probe-apparmor">
        {probe.security.apparmor}
      </Fact>
      <Fact label="Quota tools" testId="probe-quota">
        {probe.quotaTools ? 'installed' : 'not installed'}
      </Fact>
    </dl>
  );
}

function cpuCellLevel(p: number): string {
  return p >= 90 ? 'l4' : p >= 60 ? 'l3' : p >= 30 ? 'l2' : p >= 5 ? 'l1' : 'l0';
}

/** Where the numbers come from: a pulsing "Live" while the monitor streams, else when they were read. */
function SourceLabel({ view }: { view: ResourceView }) {
  return (
    <span
      className={`resources-source${view.live ? ' is-live' : ''}`}
      data-testid="overview-resources-source"
      data-live={view.live ? 'true' : 'false'}
      title={view.asOf !== null ? `Read from the host at ${new Date(view.asOf).toLocaleString()}. Live numbers come with the monitor stream (connect to start it).` : 'From the monitor stream, every sample.'}
    >
      {view.live ? <span className="resources-live-dot" aria-hidden="true" /> : <Icon name="clock" size={12} />}
      {view.sourceLabel}
    </span>
  );
}

function Resources({ inv, view }: { inv: Inventory; view: ResourceView }) {
  const cores = inv.cpu.threads || inv.cpu.cores || 1;
  const [one, five, fifteen] = view.load;
  return (
    <div className="resources" data-testid="resources">
      <div className="resource">
        <Meter icon="chip" label="CPU" value={`${plural(inv.cpu.threads, 'thread')}`} percent={view.cpuPercent} graded={false} testId="overview-cpu" />
        <div className="resource-sub">
          {inv.cpu.model} · {plural(inv.cpu.sockets, 'socket')}, {plural(inv.cpu.cores, 'core')}
        </div>
        {view.perCpuPercent.length > 1 ? (
          <div className="cpu-grid" aria-label="Usage per CPU">
            {view.perCpuPercent.map((p, i) => (
              <span key={i} className={`cpu-cell cpu-${cpuCellLevel(p)}`} title={`CPU ${i}: ${Math.round(p)}%`} />
            ))}
          </div>
        ) : null}
      </div>
      <div className="resource">
        <Meter icon="memory" label="Memory" value={formatBytesOf(view.memoryUsedBytes, view.memoryTotalBytes)} percent={ratioPercent(view.memoryUsedBytes, view.memoryTotalBytes)} testId="overview-memory" />
        <div className="resource-sub">
          {formatBytes(view.memoryAvailableBytes)} available
          {view.buffersCacheBytes !== null ? ` · ${formatBytes(view.buffersCacheBytes)} buffers/cache` : ''}
        </div>
      </div>
      <div className="resource">
        {view.swapTotalBytes > 0 ? (
          <Meter icon="disk" label="Swap" value={formatBytesOf(view.swapUsedBytes, view.swapTotalBytes)} percent={ratioPercent(view.swapUsedBytes, view.swapTotalBytes)} testId="overview-swap" />
        ) : (
          <div className="meter">
            <div className="meter-head">
              <span className="meter-label">
                <Icon name="disk" size={14} />
                Swap
              </span>
              <span className="meter-value muted">none</span>
            </div>
          </div>
        )}
      </div>
      <div className="stat-row">
        <div className="stat" data-testid="overview-load">
          <span className="stat-label">Load (1, 5, 15 min)</span>
          <span className="stat-value mono">
            <span className={one > cores ? 'text-warn' : undefined}>{formatLoad(one)}</span> {formatLoad(five)} {formatLoad(fifteen)}
          </span>
          <span className="stat-sub">{view.tasks ? `${view.tasks.running} running of ${view.tasks.total} tasks` : `${plural(cores, 'CPU')}`}</span>
        </div>
        <div className="stat" data-testid="overview-uptime" data-seconds={Math.floor(view.uptimeSeconds)}>
          <span className="stat-label">Uptime</span>
          <span className="stat-value">{formatDuration(view.uptimeSeconds)}</span>
          <span className="stat-sub mono truncate" title={inv.hostname}>
            {inv.hostname}
            {view.uptimeFrozen ? <span className="muted"> · when read</span> : null}
          </span>
        </div>
      </div>
    </div>
  );
}

/** The resources panel with its own clock: "Live" must go away when samples stop, and uptime moves. */
function ResourcesPanel({ snapshot, live, connected }: { snapshot: UseQueryResult<Inventory>; live: LiveInput | null; connected: boolean }) {
  const now = useNow(connected ? 1_000 : 30_000);
  const inv = snapshot.data;
  const view = inv ? resourceView(inv, { live, connected, snapshotReadAt: snapshot.dataUpdatedAt || inv.takenAt, nowMs: Math.max(now, live?.receivedAt ?? 0) }) : null;
  return (
    <section className="panel panel-resources">
      <div className="panel-title-row">
        <h2 className="panel-title">Resources</h2>
        {view ? <SourceLabel view={view} /> : null}
      </div>
      {inv && view ? (
        <Resources inv={inv} view={view} />
      ) : snapshot.isError ? (
        <ErrorState title="Could not read the inventory" message={errorMessage(snapshot.error)} onRetry={() => void snapshot.refetch()} testId="inventory-error" />
      ) : (
        <Skeleton className="skeleton-block" />
      )}
    </section>
  );
}

export function OverviewTab({ probe, snapshot, live, connected }: Props) {
  return (
    <div className="overview">
      {snapshot.data ? <SectionNotices inventory={snapshot.data} /> : null}
      <div className="panel-grid">
        <section className="panel">
          <h2 className="panel-title">System</h2>
          {probe.data ? (
            <SystemFacts probe={probe.data} />
          ) : probe.isError ? (
            <ErrorState title="Could not probe the host" message={errorMessage(probe.error)} onRetry={() => void probe.refetch()} testId="probe-error" />
          ) : (
            <Skeleton className="skeleton-block" />
          )}
        </section>
        <ResourcesPanel snapshot={snapshot} live={live} connected={connected} />
      </div>
      {probe.data && probe.data.warnings.length > 0 ? (
        <section className="panel panel-warnings" data-testid="probe-warnings">
          <h2 className="panel-title">
            <Icon name="alert" size={15} />
            {plural(probe.data.warnings.length, 'thing', 'things')} Fleetdeck could not determine
          </h2>
          <ul className="warning-list">
            {probe.data.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </section>
      ) : null}
      {snapshot.data && snapshot.data.network.length > 0 ? <NetworkPanel interfaces={snapshot.data.network} /> : null}
    </div>
  );
}
