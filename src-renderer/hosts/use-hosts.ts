import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ConnectionState, HostInput } from '../../src-common/hosts/host.schema.js';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { useApi } from '../api/api-context.js';
import { inventoryKeys } from '../inventory/use-inventory.js';
import { removeMonitorQueries } from '../monitor/use-monitor.js';

export const hostKeys = {
  all: ['hosts'] as const,
  list: () => ['hosts', 'list'] as const,
  sshConfig: () => ['hosts', 'ssh-config'] as const,
  log: (id: number) => ['hosts', 'log', id] as const,
  lastConnected: (id: number) => ['hosts', 'last-connected', id] as const,
};

export interface LogLine {
  at: number;
  line: string;
}

/** Lines kept per host: enough for a few connect attempts, bounded so a chatty host cannot grow memory. */
const LOG_LIMIT = 300;

export function useHosts() {
  const { client } = useApi();
  return useQuery({ queryKey: hostKeys.list(), queryFn: () => client.hosts.list({}) });
}

/** One host, read from the fleet list so live state pushes update every view at once. */
export function useHost(id: number) {
  const { client } = useApi();
  return useQuery({
    queryKey: hostKeys.list(),
    queryFn: () => client.hosts.list({}),
    select: (hosts) => hosts.find((h) => h.id === id) ?? null,
  });
}

/**
 * Writes a connection state into the cache. Returns the state it replaced, or undefined when the
 * host is not in the cached list (then the list is read again).
 */
export function setHostConnection(queryClient: QueryClient, id: number, connection: ConnectionState): ConnectionState | undefined {
  let previous: ConnectionState | undefined;
  queryClient.setQueryData<HostWithState[]>(hostKeys.list(), (list) =>
    list?.map((h) => {
      if (h.id !== id) return h;
      previous = h.connection;
      return { ...h, connection };
    }),
  );
  if (!previous) void queryClient.invalidateQueries({ queryKey: hostKeys.list() });
  // A fresh connection may see a changed host (upgraded kernel, new GPU): read it again.
  if (connection.state === 'connected' && previous?.state !== 'connected') {
    void queryClient.invalidateQueries({ queryKey: inventoryKeys.host(id) });
    queryClient.removeQueries({ queryKey: hostKeys.lastConnected(id), exact: true });
  }
  return previous;
}

/** Live connection states pushed by the core (`hosts.onState`) go straight into the cache. */
export function useHostStateSync(): void {
  const { events } = useApi();
  const queryClient = useQueryClient();
  useEffect(() => events.hosts.onState(({ id, connection }) => setHostConnection(queryClient, id, connection)), [events, queryClient]);
}

/** Connection log lines (`hosts.onLog`) go into the cache too, per host. */
export function useHostLogSync(): void {
  const { events } = useApi();
  const queryClient = useQueryClient();
  useEffect(
    () =>
      events.hosts.onLog(({ id, at, line }) => {
        queryClient.setQueryData<LogLine[]>(hostKeys.log(id), (lines = []) => [...lines, { at, line }].slice(-LOG_LIMIT));
      }),
    [events, queryClient],
  );
}

/** The log lines pushed for one host in this session (nothing is fetched). */
export function useHostLog(id: number): LogLine[] {
  const queryClient = useQueryClient();
  const { data } = useQuery({
    queryKey: hostKeys.log(id),
    queryFn: () => queryClient.getQueryData<LogLine[]>(hostKeys.log(id)) ?? [],
    initialData: [] as LogLine[],
    staleTime: Infinity,
    gcTime: Infinity,
  });
  return data;
}

/**
 * When a host last connected, from the audit log (null: it never did). Read only for a host that
 * is down with nothing newer to go by (no live sample, no inventory in this session), so a card
 * can say "never connected" instead of "offline since" the moment the first try failed.
 */
export function useLastConnected(host: Pick<HostWithState, 'id' | 'name'>, enabled: boolean) {
  const { client } = useApi();
  return useQuery({
    queryKey: hostKeys.lastConnected(host.id),
    queryFn: async () => (await client.audit.list({ host: host.name, operation: 'hosts.connect', result: 'ok', limit: 1 })).events[0]?.at ?? null,
    enabled,
    staleTime: 60_000,
  });
}

export function useAddHost() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: HostInput) => client.hosts.add(input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: hostKeys.list() }),
  });
}

export function useUpdateHost() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (args: { id: number; host: HostInput }) => client.hosts.update(args),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: hostKeys.list() }),
  });
}

export function useRemoveHost() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => client.hosts.remove({ id }),
    onSuccess: (_result, id) => {
      queryClient.setQueryData<HostWithState[]>(hostKeys.list(), (list) => list?.filter((h) => h.id !== id));
      queryClient.removeQueries({ queryKey: inventoryKeys.host(id) });
      removeMonitorQueries(queryClient, id);
      return queryClient.invalidateQueries({ queryKey: hostKeys.list() });
    },
  });
}

export function useDisconnectHost() {
  const { client } = useApi();
  return useMutation({ mutationFn: (id: number) => client.hosts.disconnect({ id }) });
}

/** Candidates from ~/.ssh/config; read only when the import view is open. */
export function useSshConfigCandidates(enabled: boolean) {
  const { client } = useApi();
  return useQuery({
    queryKey: hostKeys.sshConfig(),
    queryFn: () => client.hosts.sshConfigCandidates({}),
    enabled,
    staleTime: 10_000,
  });
}
