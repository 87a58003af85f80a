import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { ApiConnection } from './create-api.js';
import type { LinkStatus } from './transport.js';

const ApiContext = createContext<ApiConnection | null>(null);

export function ApiProvider({ api, children }: { api: ApiConnection; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiConnection {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi needs an ApiProvider');
  return api;
}

/** The state of the link to the core (always open in Electron). */
export function useLinkStatus(): LinkStatus {
  const { transport } = useApi();
  return useSyncExternalStore(
    (cb) => transport.onLink(cb),
    () => transport.link(),
  );
}
