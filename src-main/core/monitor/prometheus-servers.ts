import type { InstalledModule } from '../../../src-common/change/modules.contract.js';
import type { PrometheusServer } from './prometheus-history.js';

/**
 * Which Prometheus scrapes a host, from what the monitoring module installed: the host's own
 * monitoring settings name the Prometheus host (empty: itself). The host's node_exporter is
 * labelled with its Fleetdeck name where its own Prometheus scrapes it, and host:9100 where
 * another one does (the targets list).
 */
export function prometheusServerFor(hosts: readonly { id: number; name: string; address: string }[], installed: (hostId: number) => InstalledModule[], id: number): PrometheusServer | null {
  const host = hosts.find((h) => h.id === id);
  if (!host) return null;
  const mine = installed(id).find((m) => m.module === 'monitoring');
  if (!mine) return null;
  const named = typeof mine.settings.prometheusHost === 'string' ? mine.settings.prometheusHost : '';
  const server = named ? hosts.find((h) => h.name === named) : host;
  if (!server || !installed(server.id).some((m) => m.module === 'monitoring')) return null;
  return { hostId: server.id, hostName: server.name, instances: [...new Set([host.name, `${host.address}:9100`, `${host.name}:9100`])] };
}
