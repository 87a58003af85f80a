import { Icon } from '../app/icons.js';
import { routeHref, type Route } from '../app/route.js';
import { TASK_STATE_LABEL } from './change-format.js';
import './setup-shell.css';
import { useActiveTasks } from './use-change.js';

/** The sidebar's "Set up services" entry, with how many changes are running right now. */
export function SetupNavItem({ route }: { route: Route }) {
  const running = useActiveTasks();
  const active = route.page === 'setup';
  const title = running.length ? running.map((t) => `${t.hostName}: ${TASK_STATE_LABEL[t.state].toLowerCase()}${t.steps ? ` (${t.stepsDone}/${t.steps})` : ''}`).join('\n') : undefined;
  return (
    <a href={routeHref({ page: 'setup' })} className={`nav-item${active ? ' is-active' : ''}`} aria-current={active ? 'page' : undefined} data-testid="nav-setup" title={title}>
      <Icon name="wrench" />
      <span>Set up services</span>
      {running.length ? (
        <span className="nav-count nav-count-busy" data-testid="nav-setup-running" aria-label={`${running.length} ${running.length === 1 ? 'change' : 'changes'} running`}>
          <Icon name="refresh" size={11} className="spin" />
          {running.length}
        </span>
      ) : null}
    </a>
  );
}
