import { lazy, Suspense, useEffect } from 'react';
import { TerminalsProvider, useOpenTerminal } from '../terminal/terminals-context.js';
import { useHosts } from '../hosts/use-hosts.js';
import { useAlertSync } from '../alerts/use-alerts.js';
import { ConnectFlowProvider } from '../hosts/connect-flow.js';
import { useHostLogSync, useHostStateSync } from '../hosts/use-hosts.js';
import { useMonitorSync } from '../monitor/use-monitor.js';
import { useChangeSync } from '../setup/use-change.js';
import { AppActionsProvider, useAppActions } from './app-actions.js';
import { LinkBanner } from './LinkBanner.js';
import { HOST_TABS, routeHref } from './route.js';
import { Sidebar } from './Sidebar.js';
import { ToastProvider } from './toast.js';
import { EmptyState, Skeleton } from './ui.js';
import { navigate, useRoute } from './use-route.js';
import { useResyncOnReconnect } from './use-resync.js';
import { useShortcuts } from './use-shortcuts.js';

/**
 * Each page is its own chunk, loaded when first shown: the shell starts without the charts, the
 * reports or the audit log (issue 9: one 1.38 MB bundle before).
 */
const FleetPage = lazy(() => import('../hosts/FleetPage.js').then((m) => ({ default: m.FleetPage })));
const HostPage = lazy(() => import('../hosts/HostPage.js').then((m) => ({ default: m.HostPage })));
const AlertsPage = lazy(() => import('../alerts/AlertsPage.js').then((m) => ({ default: m.AlertsPage })));
const FleetUsersPage = lazy(() => import('../users/FleetUsersPage.js').then((m) => ({ default: m.FleetUsersPage })));
const AuditPage = lazy(() => import('../audit/AuditPage.js').then((m) => ({ default: m.AuditPage })));
const ReportsPage = lazy(() => import('../reports/ReportsPage.js').then((m) => ({ default: m.ReportsPage })));
const SetupPage = lazy(() => import('../setup/SetupPage.js').then((m) => ({ default: m.SetupPage })));
const TerminalsView = lazy(() => import('../terminal/TerminalsView.js').then((m) => ({ default: m.TerminalsView })));

function PageLoading() {
  return (
    <div className="page" aria-busy="true" data-testid="page-loading">
      <Skeleton className="skeleton-heading" />
      <Skeleton className="skeleton-block" />
    </div>
  );
}

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
  const routeKey = routeHref(route);
  // A new page starts at its top: the content pane would otherwise keep the last page's scroll offset.
  useEffect(() => {
    document.getElementById('content')?.scrollTo({ top: 0 });
  }, [routeKey]);
  const actions = useAppActions();
  const hosts = useHosts();
  const openTerminal = useOpenTerminal();
  useHostStateSync();
  useHostLogSync();
  useMonitorSync();
  useAlertSync();
  useChangeSync();
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
          <Suspense fallback={<PageLoading />}>
            {route.page === 'fleet' ? <FleetPage /> : null}
            {route.page === 'users' ? <FleetUsersPage /> : null}
            {route.page === 'alerts' ? <AlertsPage /> : null}
            {route.page === 'audit' ? <AuditPage /> : null}
            {route.page === 'reports' ? <ReportsPage /> : null}
            {route.page === 'setup' ? <SetupPage key={route.host ?? 'all'} host={route.host} /> : null}
            {route.page === 'host' ? <HostPage key={route.id} id={route.id} tab={route.tab} /> : null}
          </Suspense>
          {/* Always mounted: terminals keep running (and their scrollback) while other pages show. */}
          <Suspense fallback={null}>
            <TerminalsView visible={route.page === 'terminals'} />
          </Suspense>
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
