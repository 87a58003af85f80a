import type { InstalledModule } from '../../../src-common/change/modules.contract.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { PROMETHEUS_PORT, type PrometheusServer, type PrometheusSourceDeps } from './prometheus-history.js';

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

/**
 * The fleet's Prometheus as a history source: found from the installed monitoring module, asked
 * through the SSH connection of the host that runs it (which must be connected).
 */
export function fleetPrometheusSource(deps: {
  hosts: () => readonly { id: number; name: string; address: string }[];
  installed: (hostId: number) => InstalledModule[];
  session: (id: number) => { localGet(port: number, path: string): Promise<{ status: number; body: string }> } | undefined;
}): PrometheusSourceDeps {
  return {
    serverFor: (id) => prometheusServerFor(deps.hosts(), deps.installed, id),
    get: (serverId, urlPath) => {
      const s = deps.session(serverId);
      if (!s) throw new FleetdeckError('disconnected', `${deps.hosts().find((h) => h.id === serverId)?.name ?? `host ${serverId}`} runs the fleet's Prometheus: connect it to read history from there.`);
      return s.localGet(PROMETHEUS_PORT, urlPath);
    },
  };
}
