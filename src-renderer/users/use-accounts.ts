import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api/api-context.js';

/** What only root reads about accounts (locked, expiry, managed keys, running processes), for the Users tab. */
export function useAccounts(hostId: number | undefined, names: readonly string[], enabled: boolean) {
  const { client } = useApi();
  return useQuery({
    queryKey: ['users', 'accounts', hostId, names.join(',')],
    queryFn: () => client.users.accounts({ id: hostId!, names: [...names] }),
    enabled: enabled && hostId !== undefined && names.length > 0,
    staleTime: 30_000,
  });
}
