import { AlertsPage } from '../alerts/AlertsPage.js';
import { AuditPage } from '../audit/AuditPage.js';
import { ReportsPage } from '../reports/ReportsPage.js';
import { TerminalsView } from '../terminal/TerminalsView.js';
import { TerminalsProvider, useOpenTerminal } from '../terminal/terminals-context.js';
import { useHosts } from '../hosts/use-hosts.js';
import { useAlertSync } from '../alerts/use-alerts.js';
import { FleetPage } from '../hosts/FleetPage.js';
import { ConnectFlowProvider } from '../hosts/connect-flow.js';
import { HostPage } from '../hosts/HostPage.js';
import { useHostLogSync, useHostStateSync } from '../hosts/use-hosts.js';
import { useMonitorSync } from '../monitor/use-monitor.js';
import { AppActionsProvider, useAppActions } from './app-actions.js';
import { LinkBanner } from './LinkBanner.js';
import { HOST_TABS } from './route.js';
import { Sidebar } from './Sidebar.js';
import { ToastProvider } from './toast.js';
import { EmptyState } from './ui.js';
import { navigate, useRoute } from './use-route.js';
import { useResyncOnReconnect } from './use-resync.js';
import { useShortcuts } from './use-shortcuts.js';

export function App() {
  return (
    <ToastProvider>
      <ConnectFlowProvider>
        <AppActionsProvider>
          <TerminalsProvider>
            <Shell />
          </TerminalsProvider>
        </AppActionsProvider>
      </ConnectFlowProvider>
    </ToastProvider>
  );
}

function Shell() {
  const route = useRoute();
  const actions = useAppActions();
  const hosts = useHosts();
  const openTerminal = useOpenTerminal();
  useHostStateSync();
  useHostLogSync();
  useMonitorSync();
  useAlertSync();
  useResyncOnReconnect();
  useShortcuts({
    addHost: () => actions.addHost(),
    focusFilter: actions.focusFilter,
    showHelp: actions.showShortcuts,
    selectTab: (n) => {
      const tab = HOST_TABS[n - 1];
      if (route.page === 'host' && tab) navigate({ page: 'host', id: route.id, tab });
    },
    openTerminal: () => {
      const host = route.page === 'host' ? hosts.data?.find((h) => h.id === route.id) : undefined;
      if (host) openTerminal(host);
      else navigate('#/terminals');
    },
  });

  return (
    <div className="app-shell" data-testid="app-shell">
      <Sidebar route={route} />
      <div className="main">
        <LinkBanner />
        <main className="content" id="content">
          {route.page === 'fleet' ? <FleetPage /> : null}
          {route.page === 'alerts' ? <AlertsPage /> : null}
          {route.page === 'audit' ? <AuditPage /> : null}
          {route.page === 'reports' ? <ReportsPage /> : null}
          {/* Always mounted: terminals keep running (and their scrollback) while other pages show. */}
          <TerminalsView visible={route.page === 'terminals'} />
          {route.page === 'host' ? <HostPage key={route.id} id={route.id} tab={route.tab} /> : null}
          {route.page === 'not-found' ? (
            <EmptyState
              icon="alert"
              title="Page not found"
              testId="not-found"
              actions={
                <a className="button" href="#/">
                  Back to the fleet
                </a>
              }
            >
              Nothing lives at <code className="inline-code">{route.path}</code>.
            </EmptyState>
          ) : null}
        </main>
      </div>
    </div>
  );
}
