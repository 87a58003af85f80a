import { useEffect, useState, type ReactNode } from 'react';
import type { ChangePlan, ChangeTask, InstalledModule } from '../../src-common/change/modules.contract.js';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { routeHref } from '../app/route.js';
import { Badge, EmptyState, ErrorState, Notice, Skeleton, Spinner } from '../app/ui.js';
import { useNow } from '../app/use-now.js';
import { formatAgo } from '../format.js';
import { settingsSummary } from '../setup/change-format.js';
import { LiveLog } from '../setup/LiveLog.js';
import { PlanView } from '../setup/PlanView.js';
import { canRollBack, JOURNAL_STATUS, journalLine, RollbackDialog } from '../setup/RollbackDialog.js';
import '../setup/setup.css';
import { TaskCard } from '../setup/TaskCard.js';
import { useChangeTasks, useInstalled, useJournals, useModules } from '../setup/use-change.js';
import { useDrift, useReplan, useRollback, useStartTasks, useVerify } from '../setup/use-change-actions.js';
import { VerifyList } from '../setup/VerifyList.js';
import { ModuleSecrets } from './ModuleSecrets.js';
import './services.css';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The host's Services tab: what Fleetdeck installed (settings, when, last verify), Verify now
 * (checks with evidence), Check drift (what changed outside Fleetdeck, and Apply to put it
 * back), Roll back a change (its journal on the host), and the host's change history.
 */
export function ServicesTab({ host }: { host: HostWithState }) {
  const connected = host.connection.state === 'connected';
  const installed = useInstalled(host.id);
  const modules = useModules();
  const tasks = useChangeTasks();
  const journals = useJournals(host.id, connected);
  const verify = useVerify();
  const drift = useDrift();
  const replan = useReplan();
  const rollback = useRollback();
  const startTasks = useStartTasks();
  const [rollingBack, setRollingBack] = useState(false);
  const [driftTask, setDriftTask] = useState<string | null>(null);
  const now = useNow(30_000);
  const title = (id: string) => modules.data?.find((m) => m.id === id)?.title ?? id;
  const fields = (id: string) => modules.data?.find((m) => m.id === id)?.fields ?? [];
  const labels = (id: string) => Object.fromEntries(fields(id).map((f) => [f.key, f.label]));
  const hostTasks = (tasks.data ?? []).filter((t) => t.hostId === host.id);
  const shownTask: ChangeTask | undefined = hostTasks.find((t) => t.id === driftTask) ?? hostTasks.find((t) => t.state === 'queued' || t.state === 'planning' || t.state === 'running');
  const list = installed.data ?? [];
  const busy = verify.isPending || drift.isPending || replan.isPending || rollback.isPending || startTasks.isPending;
  const rollbackable = (journals.data ?? []).filter(canRollBack);

  // Put back: the drift shown is history now (Check drift again reads the host anew).
  const driftDone = hostTasks.find((t) => t.id === driftTask)?.state === 'done';
  const resetDrift = drift.reset;
  const resetReplan = replan.reset;
  useEffect(() => {
    if (driftDone) {
      resetDrift();
      resetReplan();
    }
  }, [driftDone, resetDrift, resetReplan]);

  const storedModules = () => list.map((i) => ({ id: i.module, settings: i.settings }));
  /** Applies a plan the user has just read (drift's, or Re-apply's), as a task. */
  const applyPlan = (plan: ChangePlan) => {
    const mods = plan.modules.map((id) => ({ id, settings: list.find((i) => i.module === id)?.settings ?? {} }));
    startTasks.mutate([{ plan, modules: mods }], { onSuccess: (t) => setDriftTask(t[0]?.id ?? null) });
  };
  const putBack = () => {
    if (drift.data) applyPlan(drift.data);
  };

  if (installed.isPending) {
    return (
      <div aria-busy="true">
        <Skeleton className="skeleton-block" />
      </div>
    );
  }
  if (installed.isError) return <ErrorState title="Could not read what is installed" message={errorMessage(installed.error)} onRetry={() => void installed.refetch()} testId="services-error" />;

  return (
    <div className="services-tab" data-testid="services-tab">
      {rollback.isPending || rollback.data || rollback.isError ? (
        <section className="panel" data-testid="services-rollback-progress">
          <h3 className="panel-title">
            <Icon name="undo" size={16} />
            {rollback.isPending ? 'Rolling back…' : 'Rollback'}
          </h3>
          {rollback.data ? (
            <Notice tone={rollback.data.status === 'rolled-back' ? 'info' : 'error'} testId="services-rollback-result">
              {rollback.data.status === 'rolled-back' ? `Rolled back on ${host.name}: ${(rollback.data.message ?? 'the change is undone').replace(/\.$/, '')}.` : `The rollback failed: ${rollback.data.message ?? 'see the log'}. Look at the host (a terminal, the log below), then try again.`}
            </Notice>
          ) : rollback.isError ? (
            <Notice tone="error">{errorMessage(rollback.error)}</Notice>
          ) : null}
          {rollback.variables ? <LiveLog hostId={host.id} journalId={rollback.variables.journalId} testId="services-rollback-log" /> : null}
        </section>
      ) : null}

      {list.length === 0 ? (
        <EmptyState
          icon="wrench"
          title={`Nothing installed by Fleetdeck on ${host.name}`}
          testId="services-empty"
          actions={
            <a className="button primary" href={routeHref({ page: 'setup', host: host.id })} data-testid="services-setup">
              <Icon name="wrench" size={14} />
              Set up services
            </a>
          }
        >
          The setup wizard installs Docker, nginx with TLS, SSH hardening or a firewall: each change is planned and shown first, and can be rolled back.
        </EmptyState>
      ) : (
        <>
          <div className="services-toolbar">
            <div className="services-toolbar-text">
              <h2 className="services-title">Installed by Fleetdeck</h2>
              {!connected ? <span className="muted small-text">Connect to verify, check drift or roll back.</span> : null}
            </div>
            <div className="page-actions">
              <button type="button" className="button" onClick={() => verify.mutate(host.id)} disabled={!connected || busy} data-testid="services-verify">
                {verify.isPending ? <Spinner /> : <Icon name="shieldCheck" size={14} />}
                Verify now
              </button>
              <button
                type="button"
                className="button"
                onClick={() => {
                  replan.reset();
                  drift.mutate(host.id);
                }}
                disabled={!connected || busy}
                data-testid="services-drift"
              >
                {drift.isPending ? <Spinner /> : <Icon name="activity" size={14} />}
                Check drift
              </button>
              <button
                type="button"
                className="button"
                onClick={() => {
                  drift.reset();
                  replan.mutate({ hostId: host.id, modules: storedModules() });
                }}
                disabled={!connected || busy}
                title="Plans the installed modules again with their stored settings; you see the plan before anything is applied"
                data-testid="services-reapply"
              >
                {replan.isPending ? <Spinner /> : <Icon name="play" size={14} />}
                Re-apply…
              </button>
              <button type="button" className="button" onClick={() => setRollingBack(true)} disabled={!connected || busy || !rollbackable.length} title={connected && !rollbackable.length ? 'No change on this host can be rolled back' : undefined} data-testid="services-rollback">
                <Icon name="undo" size={14} />
                Roll back…
              </button>
              <a className="button" href={routeHref({ page: 'setup', host: host.id })} data-testid="services-setup">
                <Icon name="wrench" size={14} />
                Set up more
              </a>
            </div>
          </div>
          <div className="table-wrap">
            <table className="table services-table" data-testid="services-table">
              <thead>
                <tr>
                  <th>Module</th>
                  <th>Settings</th>
                  <th>Applied</th>
                  <th>Last verify</th>
                </tr>
              </thead>
              <tbody>
                {list.map((m) => (
                  <InstalledRow key={m.module} item={m} title={title(m.module)} summary={settingsSummary(m.settings, labels(m.module), Object.fromEntries(fields(m.module).map((f) => [f.key, f.options])))} now={now}>
                    <ModuleSecrets hostId={host.id} module={m.module} secrets={(modules.data?.find((x) => x.id === m.module)?.secrets ?? []).filter((s) => (!s.withModule || list.some((i) => i.module === s.withModule)) && (!s.withSetting || m.settings[s.withSetting] !== false))} connected={connected} />
                  </InstalledRow>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      {verify.isError ? (
        <Notice tone="error" testId="services-verify-error">
          <strong>Could not verify:</strong> {errorMessage(verify.error)}
        </Notice>
      ) : verify.data ? (
        <section className="panel" data-testid="services-verify-results">
          <div className="panel-title-row">
            <h3 className="panel-title">
              <Icon name="shieldCheck" size={16} />
              Verify results
            </h3>
            <button type="button" className="icon-button small" aria-label="Close the verify results" onClick={() => verify.reset()}>
              <Icon name="x" size={14} />
            </button>
          </div>
          {verify.data.map((v) => (
            <div key={v.module} className="services-verify-module" data-testid={`services-verify-${v.module}`}>
              <h4 className="services-subtitle">{title(v.module)}</h4>
              <VerifyList results={v.results} />
            </div>
          ))}
        </section>
      ) : null}

      {drift.isError ? (
        <Notice tone="error" testId="services-drift-error">
          <strong>Could not check drift:</strong> {errorMessage(drift.error)}
        </Notice>
      ) : drift.data !== undefined ? (
        <section className="panel" data-testid="services-drift-result">
          <div className="panel-title-row">
            <h3 className="panel-title">
              <Icon name="activity" size={16} />
              {drift.data && drift.data.steps.length ? `Changed outside Fleetdeck: ${drift.data.steps.length === 1 ? 'one step puts it back' : `${drift.data.steps.length} steps put it back`}` : 'Drift'}
            </h3>
            <div className="page-actions">
              {drift.data && drift.data.steps.length ? (
                <button type="button" className="button primary small" onClick={putBack} disabled={busy || Boolean(shownTask && shownTask.state !== 'done' && shownTask.state !== 'failed' && shownTask.state !== 'cancelled')} data-testid="services-drift-apply">
                  <Icon name="play" size={13} />
                  Apply to put it back
                </button>
              ) : null}
              <button type="button" className="icon-button small" aria-label="Close the drift result" onClick={() => drift.reset()}>
                <Icon name="x" size={14} />
              </button>
            </div>
          </div>
          {drift.data === null ? (
            <p className="muted">Nothing is installed, so nothing can drift.</p>
          ) : drift.data.steps.length === 0 ? (
            <div className="plan-empty" data-testid="services-drift-none">
              <Icon name="checkCircle" size={20} />
              <span>Nothing changed outside Fleetdeck: {host.name} is as it was applied.</span>
            </div>
          ) : (
            <>
              <p className="muted services-drift-lead">These differ from what Fleetdeck applied (someone or something changed them on the host). Applying puts them back:</p>
              <PlanView plan={drift.data} testId="services-drift-plan" />
            </>
          )}
          {startTasks.isError ? <Notice tone="error">{errorMessage(startTasks.error)}</Notice> : null}
        </section>
      ) : null}

      {replan.isError ? (
        <Notice tone="error" testId="services-reapply-error">
          <strong>Could not plan the re-apply:</strong> {errorMessage(replan.error)}
        </Notice>
      ) : replan.data ? (
        <section className="panel" data-testid="services-reapply-plan">
          <div className="panel-title-row">
            <h3 className="panel-title">
              <Icon name="play" size={16} />
              Re-apply: the plan
            </h3>
            <div className="page-actions">
              {replan.data.steps.length ? (
                <button type="button" className="button primary small" onClick={() => replan.data && applyPlan(replan.data)} disabled={busy || Boolean(shownTask && shownTask.state !== 'done' && shownTask.state !== 'failed' && shownTask.state !== 'cancelled')} data-testid="services-reapply-apply">
                  <Icon name="play" size={13} />
                  Apply this plan
                </button>
              ) : null}
              <button type="button" className="icon-button small" aria-label="Close the re-apply plan" onClick={() => replan.reset()}>
                <Icon name="x" size={14} />
              </button>
            </div>
          </div>
          <PlanView plan={replan.data} emptyText={`Nothing to change: ${host.name} is as Fleetdeck applied it, so re-applying would do nothing.`} testId="services-reapply-view" />
          {startTasks.isError ? <Notice tone="error">{errorMessage(startTasks.error)}</Notice> : null}
        </section>
      ) : null}

      {shownTask ? (
        <section className="services-task">
          <TaskCard task={shownTask} steps={shownTask.id === driftTask ? (drift.data?.steps ?? replan.data?.steps) : undefined} moduleTitle={title} />
        </section>
      ) : null}

      {connected && journals.data?.length ? (
        <section className="panel services-history" data-testid="services-history">
          <h3 className="panel-title">
            <Icon name="clock" size={16} />
            Changes on this host
          </h3>
          <ul className="services-journals">
            {journals.data.slice(0, 10).map((j) => (
              <li key={j.id}>
                <Badge tone={JOURNAL_STATUS[j.status].tone}>{JOURNAL_STATUS[j.status].label}</Badge>
                <span className="services-journal-text">{journalLine(j)}</span>
                <span className="muted mono small-text services-journal-id">{j.id}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : journals.isError ? (
        <p className="muted small-text">Could not read the change journals on {host.name}: {errorMessage(journals.error)}</p>
      ) : null}

      {rollingBack ? (
        <RollbackDialog
          hostName={host.name}
          journals={journals.data ?? []}
          busy={rollback.isPending}
          onClose={() => setRollingBack(false)}
          onConfirm={(journalId) => {
            setRollingBack(false);
            verify.reset();
            drift.reset();
            replan.reset();
            rollback.mutate({ hostId: host.id, journalId });
          }}
        />
      ) : null}
    </div>
  );
}

function InstalledRow({ item: m, title, summary, now, children }: { item: InstalledModule; title: string; summary: string; now: number; children?: ReactNode }) {
  const v = m.lastVerify;
  return (
    <tr data-testid={`service-${m.module}`}>
      <td>
        <div className="services-module">{title}</div>
        <div className="muted small-text mono">{m.module}</div>
      </td>
      <td className="services-settings">
        {summary || <span className="muted">defaults</span>}
        {v?.status ? (
          <div className={`services-status small-text${v.ok ? '' : ' is-failed'}`} data-testid={`service-${m.module}-status`}>
            {v.status}
          </div>
        ) : null}
        {children}
      </td>
      <td className="nowrap" title={when.format(m.appliedAt)}>
        {formatAgo(m.appliedAt, now)}
      </td>
      <td data-testid={`service-${m.module}-verify`} data-ok={v ? String(v.ok) : 'none'}>
        {v === null ? (
          <Badge>not verified</Badge>
        ) : v.ok ? (
          <span className="services-verify-cell">
            <Badge tone="ok">
              <Icon name="check" size={12} /> ok
            </Badge>
            <span className="muted small-text" title={when.format(v.at)}>
              {formatAgo(v.at, now)}
            </span>
          </span>
        ) : (
          <span className="services-verify-cell">
            <Badge tone="error">
              <Icon name="x" size={12} /> failed
            </Badge>
            <span className="services-failed-checks small-text">{v.failed.join(', ')}</span>
          </span>
        )}
      </td>
    </tr>
  );
}
