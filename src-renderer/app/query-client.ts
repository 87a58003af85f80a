import { QueryClient } from '@tanstack/react-query';
import { isRetryable } from '../../src-common/problems.js';
import { toApiError } from '../api/api-error.js';

/**
 * Reads retry only when the problem code says a later try may work (timeout, disconnected);
 * anything else needs the user, so it is shown at once.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, err) => failures < 2 && isRetryable(toApiError(err).problem),
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
      mutations: { retry: false },
    },
  });
}
