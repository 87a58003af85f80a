import { useActiveAlertCount } from '../alerts/use-alerts.js';
import { useApi, useLinkStatus } from '../api/api-context.js';
import { useConnectFlow } from '../hosts/connect-flow.js';
import { describeConnection } from '../hosts/connection-state.js';
import { useHosts } from '../hosts/use-hosts.js';
import { SetupNavItem } from '../setup/SetupNavItem.js';
import { useAppActions } from './app-actions.js';
import { Icon, Logo } from './icons.js';
import { hostHref, type Route } from './route.js';
import { useTheme } from './theme.js';
import { Skeleton, StatusDot } from './ui.js';

const THEME_LABEL = { system: 'Theme: follow system', light: 'Theme: light', dark: 'Theme: dark' } as const;
const THEME_ICON = { system: 'monitor', light: 'sun', dark: 'moon' } as const;

export function Sidebar({ route }: { route: Route }) {
  const hosts = useHosts();
  const alertCount = useActiveAlertCount();
  const actions = useAppActions();
  const flow = useConnectFlow();
  const { theme, cycle } = useTheme();
  const list = hosts.data ?? [];
  const sorted = [...list].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <aside className="sidebar" data-testid="sidebar">
      <div className="brand">
        <Logo size={28} />
        <span className="brand-name">Fleetdeck</span>
      </div>
      <nav className="nav" aria-label="Main">
        <a href="#/" className={`nav-item${route.page === 'fleet' ? ' is-active' : ''}`} aria-current={route.page === 'fleet' ? 'page' : undefined} data-testid="nav-fleet">
          <Icon name="layers" />
          <span>Fleet</span>
          {hosts.data ? <span className="nav-count">{list.length}</span> : null}
        </a>
        <a href="#/alerts" className={`nav-item${route.page === 'alerts' ? ' is-active' : ''}`} aria-current={route.page === 'alerts' ? 'page' : undefined} data-testid="nav-alerts">
          <Icon name="alert" />
          <span>Alerts</span>
          {alertCount ? (
            <span className="nav-count is-alerting" data-testid="nav-alerts-count" aria-label={`${alertCount} active alerts`}>
              {alertCount}
            </span>
          ) : null}
        </a>
        <NavItem route={route} page="users" icon="users" label="Users" />
        <SetupNavItem route={route} />
        <NavItem route={route} page="terminals" icon="terminal" label="Terminals" />
        <NavItem route={route} page="audit" icon="scroll" label="Audit log" />
        <NavItem route={route} page="reports" icon="report" label="Reports" />
      </nav>
      <div className="nav-section">
        <span className="nav-section-title">Hosts</span>
        <button type="button" className="icon-button small" aria-label="Add host" title="Add host (N)" onClick={() => actions.addHost()} data-testid="sidebar-add-host">
          <Icon name="plus" size={14} />
        </button>
      </div>
      <ul className="nav-hosts" aria-label="Hosts">
        {hosts.isPending
          ? [0, 1, 2].map((i) => (
              <li key={i} className="nav-host">
                <Skeleton className="skeleton-line" />
              </li>
            ))
          : sorted.map((h) => {
              const view = describeConnection(h.connection, Date.now(), flow.askingHostKey === h.id);
              const active = route.page === 'host' && route.id === h.id;
              return (
                <li key={h.id}>
                  <a
                    href={hostHref(h.id, active && route.page === 'host' ? route.tab : 'overview')}
                    className={`nav-host${active ? ' is-active' : ''}`}
                    aria-current={active ? 'page' : undefined}
                    title={`${h.name} — ${view.label}`}
                    data-testid={`sidebar-host-${h.name}`}
                  >
                    <StatusDot tone={view.tone} label={view.label} />
                    <span className="truncate">{h.name}</span>
                  </a>
                </li>
              );
            })}
      </ul>
      <div className="sidebar-footer">
        <CoreStatus />
        <div className="sidebar-buttons">
          <button type="button" className="icon-button" onClick={cycle} aria-label={THEME_LABEL[theme]} title={THEME_LABEL[theme]} data-testid="theme-toggle" data-theme-pref={theme}>
            <Icon name={THEME_ICON[theme]} />
          </button>
          <button type="button" className="icon-button" onClick={actions.showShortcuts} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" data-testid="shortcuts-button">
            <Icon name="keyboard" />
          </button>
        </div>
      </div>
    </aside>
  );
}

function NavItem({ route, page, icon, label }: { route: Route; page: 'users' | 'terminals' | 'audit' | 'reports'; icon: 'users' | 'terminal' | 'scroll' | 'report'; label: string }) {
  const active = route.page === page;
  return (
    <a href={`#/${page}`} className={`nav-item${active ? ' is-active' : ''}`} aria-current={active ? 'page' : undefined} data-testid={`nav-${page}`}>
      <Icon name={icon} />
      <span>{label}</span>
    </a>
  );
}

function CoreStatus() {
  const { mode } = useApi();
  const link = useLinkStatus();
  const tone = link.state === 'open' ? 'ok' : link.state === 'connecting' && link.attempt === 0 ? 'busy' : 'error';
  const label = mode === 'electron' ? 'Desktop app' : link.state === 'open' ? 'Core connected' : link.state === 'connecting' ? 'Connecting to core…' : 'Core unreachable';
  return (
    <div className="core-status" data-testid="core-status" data-state={link.state}>
      <StatusDot tone={tone} />
      <span>{label}</span>
    </div>
  );
}
