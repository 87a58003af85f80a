import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { HostFormDialog, type HostDialogMode } from '../hosts/HostFormDialog.js';
import { RemoveHostDialog } from '../hosts/RemoveHostDialog.js';
import { useHosts } from '../hosts/use-hosts.js';
import { ShortcutsDialog } from './ShortcutsDialog.js';
import { navigate } from './use-route.js';

/** App-wide actions any page, shortcut or menu can trigger; the dialogs they open live here. */
interface AppActions {
  addHost: (tab?: 'manual' | 'import') => void;
  editHost: (host: HostWithState) => void;
  removeHost: (host: HostWithState) => void;
  showShortcuts: () => void;
  /** Goes to the fleet and focuses its filter box. */
  focusFilter: () => void;
  /** Read by the fleet page: true once after focusFilter asked for it. */
  takeFilterFocus: () => boolean;
  filterFocusTick: number;
}

type OpenDialog = { kind: 'host'; mode: HostDialogMode } | { kind: 'remove'; host: HostWithState } | { kind: 'shortcuts' } | null;

const AppActionsContext = createContext<AppActions | null>(null);

export function AppActionsProvider({ children }: { children: ReactNode }) {
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [filterFocusTick, setFilterFocusTick] = useState(0);
  const wantsFilterFocus = useRef(false);
  const hosts = useHosts();

  const focusFilter = useCallback(() => {
    wantsFilterFocus.current = true;
    navigate('#/');
    setFilterFocusTick((t) => t + 1);
  }, []);

  const actions = useMemo<AppActions>(
    () => ({
      addHost: (tab = 'manual') => setDialog({ kind: 'host', mode: { kind: 'add', tab } }),
      editHost: (host) => setDialog({ kind: 'host', mode: { kind: 'edit', host } }),
      removeHost: (host) => setDialog({ kind: 'remove', host }),
      showShortcuts: () => setDialog({ kind: 'shortcuts' }),
      focusFilter,
      takeFilterFocus: () => {
        const wanted = wantsFilterFocus.current;
        wantsFilterFocus.current = false;
        return wanted;
      },
      filterFocusTick,
    }),
    [focusFilter, filterFocusTick],
  );

  const close = () => setDialog(null);
  return (
    <AppActionsContext.Provider value={actions}>
      {children}
      {dialog?.kind === 'host' ? <HostFormDialog mode={dialog.mode} hosts={hosts.data ?? []} onClose={close} /> : null}
      {dialog?.kind === 'remove' ? <RemoveHostDialog host={dialog.host} onClose={close} /> : null}
      {dialog?.kind === 'shortcuts' ? <ShortcutsDialog onClose={close} /> : null}
    </AppActionsContext.Provider>
  );
}

export function useAppActions(): AppActions {
  const actions = useContext(AppActionsContext);
  if (!actions) throw new Error('useAppActions needs an AppActionsProvider');
  return actions;
}
