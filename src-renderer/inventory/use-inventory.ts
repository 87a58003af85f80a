import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useApi } from '../api/api-context.js';

export const inventoryKeys = {
  all: ['inventory'] as const,
  host: (id: number) => ['inventory', id] as const,
  probe: (id: number) => ['inventory', id, 'probe'] as const,
  snapshot: (id: number) => ['inventory', id, 'snapshot'] as const,
};

/**
 * Probe facts (distro, kernel, init system…) hardly change while connected: read once per
 * connection. The cache is invalidated when the host (re)connects, see use-hosts.
 */
export function useProbe(id: number, connected: boolean) {
  const { client } = useApi();
  return useQuery({
    queryKey: inventoryKeys.probe(id),
    queryFn: () => client.inventory.probe({ id }),
    enabled: connected,
    staleTime: Infinity,
  });
}

/** Hosts whose next inventory read must be afresh (the Refresh button), not the one a resident agent keeps. */
const freshNext = new Set<number>();

/**
 * The last inventory snapshot. Kept after a disconnect so the fleet still shows what was last seen.
 * A host's resident agent may answer with the inventory it keeps (at most a minute old, CPU live).
 */
export function useSnapshot(id: number, connected: boolean) {
  const { client } = useApi();
  return useQuery({
    queryKey: inventoryKeys.snapshot(id),
    queryFn: () => client.inventory.snapshot(freshNext.delete(id) ? { id } : { id, maxAgeMs: 60_000 }),
    enabled: connected,
    staleTime: 60_000,
  });
}

/** Reads probe and snapshot again (the Refresh button). */
export function useRefreshInventory(id: number): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(async () => {
    freshNext.add(id);
    await queryClient.refetchQueries({ queryKey: inventoryKeys.host(id), type: 'all' });
  }, [queryClient, id]);
}
