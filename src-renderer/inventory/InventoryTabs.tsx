import type { UseQueryResult } from '@tanstack/react-query';
import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import type { Probe } from '../../src-common/inventory/probe.schema.js';
import { errorMessage } from '../api/api-error.js';
import type { HostTab } from '../app/route.js';
import { ErrorState, Skeleton } from '../app/ui.js';
import { ContainersTab } from './ContainersTab.js';
import { DisksTab } from './DisksTab.js';
import { GpusTab } from './GpusTab.js';
import type { LiveInput } from './overview-resources.js';
import { OverviewTab } from './OverviewTab.js';
import { UsersTab } from './UsersTab.js';

interface Props {
  tab: HostTab;
  probe: UseQueryResult<Probe>;
  snapshot: UseQueryResult<Inventory>;
  now: number;
  connected: boolean;
  /** The newest live sample while the host streams, and when it arrived (GPU attribution, live resources). */
  live?: LiveInput | null;
  /** The stored host (per-user limits on the Users tab). */
  host?: { id: number; name: string };
}

export function TableSkeleton({ rows = 4 }: { rows?: number }) {
  return (
    <div className="table-skeleton" aria-busy="true" data-testid="inventory-loading">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} className="skeleton-row" />
      ))}
    </div>
  );
}

export function InventoryTabs({ tab, probe, snapshot, connected, live, host }: Props) {
  if (tab === 'monitor') return null;
  if (tab === 'overview') return <OverviewTab probe={probe} snapshot={snapshot} live={live ?? null} connected={connected} />;
  const inv = snapshot.data;
  if (!inv) {
    if (snapshot.isError) {
      return <ErrorState title="Could not read the inventory" message={errorMessage(snapshot.error)} onRetry={() => void snapshot.refetch()} retrying={snapshot.isFetching} testId="inventory-error" />;
    }
    return <TableSkeleton />;
  }
  switch (tab) {
    case 'gpus':
      return <GpusTab inventory={inv} probe={probe.data} live={live?.sample ?? null} hostId={host?.id} />;
    case 'users':
      return <UsersTab inventory={inv} hostId={host?.id} hostName={host?.name} connected={connected} live={live?.sample ?? null} />;
    case 'containers':
      return <ContainersTab inventory={inv} probe={probe.data} />;
    case 'disks':
      return <DisksTab inventory={inv} />;
  }
}
