import { createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import type { TerminalMode } from '../../src-common/terminal/terminal.contract.js';
import { useApi, useLinkStatus } from '../api/api-context.js';
import { navigate } from '../app/use-route.js';
import { useConnectFlow } from '../hosts/connect-flow.js';
import { useHosts } from '../hosts/use-hosts.js';
import { OpenLinkDialog } from './OpenLinkDialog.js';
import { TerminalManager } from './terminal-manager.js';
import type { TerminalsSnapshot } from './terminal-types.js';

const TerminalsContext = createContext<TerminalManager | null>(null);

/** Owns the app's one TerminalManager; tells it about host connections and core restarts. */
export function TerminalsProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [manager] = useState(() => new TerminalManager(api));
  const hosts = useHosts();
  const link = useLinkStatus();

  useEffect(() => () => manager.dispose(), [manager]);
  // Start-up and every reconnect to the core: show terminals the core still has, end ours it lost.
  useEffect(() => {
    if (link.state === 'open') void manager.adoptOpen();
  }, [manager, link.state]);
  useEffect(() => {
    for (const h of hosts.data ?? []) manager.hostState(h.id, h.connection.state, h.connection.state === 'failed' ? h.connection.message : undefined);
  }, [manager, hosts.data]);

  return (
    <TerminalsContext.Provider value={manager}>
      {children}
      <OpenLinkDialog opener={manager.links} />
    </TerminalsContext.Provider>
  );
}

export function useTerminalManager(): TerminalManager {
  const m = useContext(TerminalsContext);
  if (!m) throw new Error('useTerminalManager needs a TerminalsProvider');
  return m;
}

export function useTerminals(): TerminalsSnapshot {
  const m = useTerminalManager();
  return useSyncExternalStore(m.subscribe, m.snapshot);
}

/** Opens a terminal tab to a host and shows it; connects first (host key, password prompts) when needed. */
export function useOpenTerminal(): (host: HostWithState, mode?: TerminalMode, session?: string) => void {
  const m = useTerminalManager();
  const flow = useConnectFlow();
  return useCallback(
    (host, mode = 'shell', session) => {
      const connected = host.connection.state === 'connected';
      m.openTab({ id: host.id, name: host.name, connected }, mode, session);
      navigate('#/terminals');
      if (!connected && !flow.pending.has(host.id)) flow.connect(host);
    },
    [m, flow],
  );
}
