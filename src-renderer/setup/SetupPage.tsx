import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChangeTask, ModuleInfo } from '../../src-common/change/modules.contract.js';
import { useApi } from '../api/api-context.js';
import { errorMessage, toApiError } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { ErrorState, Notice, Skeleton, Spinner } from '../app/ui.js';
import { useHosts } from '../hosts/use-hosts.js';
import { plural } from '../format.js';
import { ApplyStep } from './ApplyStep.js';
import { isActiveTask } from './change-format.js';
import { HostsStep } from './HostsStep.js';
import { ModulesStep } from './ModulesStep.js';
import { PlanStep, type PlanResult } from './PlanStep.js';
import { preflightVerdict, PreflightStep } from './PreflightStep.js';
import { ResultStep } from './ResultStep.js';
import { fieldId, SettingsStep } from './SettingsStep.js';
import './setup.css';
import { useChangeTasks, useInstalledMany, useModules, usePreflights } from './use-change.js';
import { useStartTasks } from './use-change-actions.js';
import { WizardStepper } from './WizardStepper.js';
import { chooseModule, commonStored, initialValues, serverIssues, STEP_HELP, stepIndex, toSettings, unchooseModule, validateForm, WIZARD_STEPS, type FormErrors, type FormValue, type FormValues, type WizardStep } from './wizard-state.js';

interface Wizard {
  step: WizardStep;
  hosts: number[];
  /** Hosts whose untested family the user said to proceed on anyway. */
  confirmed: number[];
  modules: string[];
  /** Module → the chosen module that needed it (it was added automatically). */
  autoAdded: Record<string, string>;
  note: string | null;
  values: Record<string, FormValues>;
  touched: Record<string, Record<string, boolean>>;
  /** The core's refusal of the settings, per module, until the field is edited. */
  server: Record<string, FormErrors>;
  plans: Record<number, PlanResult>;
  taskIds: string[];
}

const fresh = (hosts: number[] = []): Wizard => ({ step: 'hosts', hosts, confirmed: [], modules: [], autoAdded: {}, note: null, values: {}, touched: {}, server: {}, plans: {}, taskIds: [] });

/** The wizard as it was when the page was left (tasks run on in the core; this brings the view back). */
let saved: Wizard | null = null;

/**
 * Set up services (issue 10): pick hosts → modules → settings → preflight → the plan per host →
 * apply with live progress → verify's results, with rollback per host. Every step is
 * keyboard-usable; Back and Next with the step list always visible. Nothing changes on a host
 * before the user presses Apply on the reviewed plans.
 */
export function SetupPage({ host }: { host?: number }) {
  const { client } = useApi();
  const hosts = useHosts();
  const modulesQ = useModules();
  const tasksQ = useChangeTasks();
  const startTasks = useStartTasks();
  const [w, setW] = useState<Wizard>(() => (host !== undefined ? fresh([host]) : (saved ?? fresh())));
  const [planning, setPlanning] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const restored = useRef(host !== undefined || saved !== null);

  useEffect(() => {
    saved = w;
  }, [w]);

  // Opened fresh while tasks run (the app was reloaded mid-apply): show them.
  useEffect(() => {
    if (restored.current || !tasksQ.data) return;
    restored.current = true;
    const active = tasksQ.data.filter(isActiveTask);
    if (active.length) setW((prev) => ({ ...prev, step: 'apply', taskIds: active.map((t) => t.id) }));
  }, [tasksQ.data]);

  const go = (step: WizardStep) => {
    setAttempted(false);
    setW((prev) => ({ ...prev, step }));
    requestAnimationFrame(() => heading.current?.focus());
  };

  const hostList = hosts.data ?? [];
  const known = new Set(hostList.map((h) => h.id));
  const chosenHosts = w.hosts.filter((id) => known.has(id)).map((id) => ({ id, name: hostList.find((h) => h.id === id)!.name }));
  const chosenIds = chosenHosts.map((h) => h.id);
  // Modules set from their own page (per-user limits) are not offered here.
  const infos = (modulesQ.data ?? []).filter((m) => m.wizard !== false);
  const infoOf = (id: string): ModuleInfo | undefined => infos.find((m) => m.id === id);
  const moduleTitle = (id: string) => infoOf(id)?.title ?? id;
  const chosenInfos = w.modules.map(infoOf).filter((m): m is ModuleInfo => Boolean(m));

  const preflights = usePreflights(chosenIds, w.modules, w.step === 'preflight' || w.step === 'plan');
  const installed = useInstalledMany(chosenIds);
  const installedLists = installed.map((q) => q.data);
  const installedEverywhere = new Set(infos.filter((m) => installedLists.length > 0 && installedLists.every((l) => l?.some((i) => i.module === m.id))).map((m) => m.id));

  const errors: Record<string, FormErrors> = Object.fromEntries(chosenInfos.map((m) => [m.id, validateForm(m, w.values[m.id] ?? initialValues(m))]));
  const invalidFields = chosenInfos.flatMap((m) => m.fields.filter((f) => errors[m.id]!.fields[f.key] || w.server[m.id]?.fields[f.key]).map((f) => (chosenInfos.length > 1 ? `${f.label} (${m.title})` : f.label)));
  const invalid = invalidFields.length > 0 || chosenInfos.some((m) => errors[m.id]!.form.length > 0);

  // ---- what each step needs before Next ----
  let blocker: string | null = null;
  switch (w.step) {
    case 'hosts':
      if (!chosenIds.length) blocker = 'Pick at least one host.';
      break;
    case 'preflight': {
      const verdicts = chosenHosts.map((h, i) => preflightVerdict(preflights[i]!, w.confirmed.includes(h.id)));
      if (!chosenIds.length) blocker = 'Every host was left out: go back and pick one.';
      else if (verdicts.includes('checking')) blocker = 'Checking the hosts…';
      else if (verdicts.includes('fail') || verdicts.includes('error')) blocker = 'A host cannot proceed: fix it and check again, or leave it out.';
      else if (verdicts.includes('confirm')) blocker = 'A host runs a distribution that is not tested live: tick “Proceed anyway” to go on with it.';
      else if (planning) blocker = 'Planning…';
      break;
    }
    case 'modules': {
      if (!w.modules.length) blocker = 'Choose at least one module.';
      break;
    }
    case 'settings':
      if (invalid) blocker = invalidFields.length ? `Fix ${invalidFields.slice(0, 3).join(', ')}${invalidFields.length > 3 ? ` and ${invalidFields.length - 3} more` : ''} first.` : 'Fix the settings first (see the message in red).';
      break;
    case 'plan': {
      const ok = chosenHosts.filter((h) => w.plans[h.id]?.state === 'ok');
      if (chosenHosts.some((h) => (w.plans[h.id]?.state ?? 'planning') === 'planning')) blocker = 'Planning…';
      else if (!ok.length) blocker = 'No host has a plan: fix the problems shown and plan again.';
      break;
    }
    case 'apply':
      if (!tasksQ.data) blocker = 'Reading the tasks…';
      else if ((tasksQ.data ?? []).some((t) => w.taskIds.includes(t.id) && isActiveTask(t))) blocker = 'Still applying…';
      break;
    case 'result':
      break;
  }

  // ---- actions ----
  const requests = () => w.modules.map((id) => ({ id, settings: toSettings(infoOf(id)!, w.values[id] ?? initialValues(infoOf(id)!)) }));

  const planHost = async (id: number, reqs = requests()): Promise<[number, PlanResult, Record<string, unknown> | undefined]> => {
    try {
      return [id, { state: 'ok', plan: await client.change.plan({ id, modules: reqs }) }, undefined];
    } catch (err) {
      const e = toApiError(err);
      return [id, { state: 'error', message: e.message, problem: e.problem }, e.problem === 'invalid-input' ? e.details : undefined];
    }
  };

  const planAll = async () => {
    setPlanning(true);
    const results = await Promise.all(chosenIds.map((id) => planHost(id)));
    setPlanning(false);
    // The core refused the settings: say so at the field, and stay.
    const refused: Record<string, FormErrors> = {};
    for (const [, , details] of results) {
      const info = details && typeof details.module === 'string' ? infoOf(details.module) : undefined;
      const issues = info ? serverIssues(details, info) : null;
      if (info && issues) refused[info.id] = issues;
    }
    if (Object.keys(refused).length) {
      // Back to the form: the field the core refused says why.
      setAttempted(true);
      setW((prev) => ({ ...prev, server: refused, step: 'settings' }));
      requestAnimationFrame(() => {
        const first = Object.entries(refused).flatMap(([m, e]) => Object.keys(e.fields).map((k) => fieldId(m, k)))[0];
        if (first) document.getElementById(first)?.focus();
      });
      return;
    }
    setW((prev) => ({ ...prev, plans: Object.fromEntries(results.map(([id, r]) => [id, r])) }));
    go('plan');
  };

  const replan = async (id: number) => {
    setW((prev) => ({ ...prev, plans: { ...prev.plans, [id]: { state: 'planning' } } }));
    const [, r] = await planHost(id);
    setW((prev) => ({ ...prev, plans: { ...prev.plans, [id]: r } }));
  };

  const apply = () => {
    const reqs = requests();
    const items = chosenHosts.flatMap((h) => {
      const r = w.plans[h.id];
      return r?.state === 'ok' ? [{ plan: r.plan, modules: reqs }] : [];
    });
    startTasks.mutate(items, {
      onSuccess: (tasks: ChangeTask[]) => {
        setW((prev) => ({ ...prev, taskIds: tasks.map((t) => t.id) }));
        go('apply');
      },
    });
  };

  const next = (e?: FormEvent) => {
    e?.preventDefault();
    setAttempted(true);
    if (blocker) return;
    switch (w.step) {
      case 'hosts':
        return go('modules');
      case 'modules': {
        // The forms start from the defaults, or from what every chosen host has stored.
        setW((prev) => {
          const values = { ...prev.values };
          for (const m of chosenInfos) values[m.id] ??= initialValues(m, commonStored(installedLists, m.id));
          return { ...prev, values };
        });
        return go('settings');
      }
      case 'settings':
        return go('preflight');
      case 'preflight':
        void planAll();
        return;
      case 'plan':
        return apply();
      case 'apply':
        return go('result');
      case 'result':
        return;
    }
  };

  const back = () => stepIndex(w.step) > 0 && go(WIZARD_STEPS[stepIndex(w.step) - 1]!.id);

  const toggleModule = (id: string, on: boolean) =>
    setW((prev) => {
      if (on) {
        const r = chooseModule(prev.modules, id, infos, installedEverywhere);
        const autoAdded = { ...prev.autoAdded };
        for (const a of r.added) autoAdded[a.id] = a.because;
        const note = r.added.length ? r.added.map((a) => `Added ${moduleTitle(a.id)}: ${moduleTitle(a.because)} needs it.`).join(' ') : null;
        return { ...prev, modules: r.modules, autoAdded, note, plans: {} };
      }
      const r = unchooseModule(prev.modules, id, infos, prev.autoAdded);
      const autoAdded = Object.fromEntries(Object.entries(prev.autoAdded).filter(([k]) => r.modules.includes(k)));
      const also = r.removed.filter((m) => m !== id);
      return { ...prev, modules: r.modules, autoAdded, note: also.length ? `Removed ${also.map(moduleTitle).join(', ')} too: only ${moduleTitle(id)} needed it.` : null, plans: {} };
    });

  const changeValue = (module: string, key: string, value: FormValue) =>
    setW((prev) => {
      const info = infoOf(module);
      const server = prev.server[module];
      const fields = server ? Object.fromEntries(Object.entries(server.fields).filter(([k]) => k !== key)) : {};
      return {
        ...prev,
        values: { ...prev.values, [module]: { ...(prev.values[module] ?? (info ? initialValues(info) : {})), [key]: value } },
        touched: { ...prev.touched, [module]: { ...prev.touched[module], [key]: true } },
        server: server ? { ...prev.server, [module]: { fields, form: [] } } : prev.server,
      };
    });

  const startOver = () => {
    setW(fresh());
    requestAnimationFrame(() => heading.current?.focus());
  };

  // ---- render ----
  const current = stepIndex(w.step);
  const tasks = (tasksQ.data ?? []).filter((t) => w.taskIds.includes(t.id));
  const otherTasks = (tasksQ.data ?? []).filter((t) => !w.taskIds.includes(t.id));
  const nextLabel =
    w.step === 'preflight'
      ? planning
        ? `Planning on ${plural(chosenIds.length, 'host')}…`
        : 'Review the plan'
      : w.step === 'plan'
        ? startTasks.isPending
          ? 'Starting…'
          : `Apply to ${plural(chosenHosts.filter((h) => w.plans[h.id]?.state === 'ok').length, 'host')}`
        : w.step === 'apply'
          ? 'See the results'
          : 'Next';

  let body;
  if (hosts.isPending || modulesQ.isPending) {
    body = (
      <div aria-busy="true">
        <Skeleton className="skeleton-block" />
      </div>
    );
  } else if (hosts.isError || modulesQ.isError) {
    const err = hosts.error ?? modulesQ.error;
    body = <ErrorState title="Could not load what the wizard needs" message={errorMessage(err)} onRetry={() => void (hosts.isError ? hosts.refetch() : modulesQ.refetch())} testId="setup-error" />;
  } else {
    switch (w.step) {
      case 'hosts':
        body = (
          <>
            {otherTasks.length ? (
              <Notice tone="info" testId="setup-recent-tasks">
                {plural(otherTasks.length, 'change')} ran in this session{otherTasks.some(isActiveTask) ? `, ${otherTasks.filter(isActiveTask).length} still running` : ''}.{' '}
                <button type="button" className="link-button" onClick={() => setW((prev) => ({ ...prev, step: 'apply', taskIds: otherTasks.map((t) => t.id) }))} data-testid="setup-show-tasks">
                  Show {otherTasks.length === 1 ? 'it' : 'them'}
                </button>
              </Notice>
            ) : null}
            <HostsStep hosts={hostList} selected={w.hosts} onChange={(ids) => setW((prev) => ({ ...prev, hosts: ids, plans: {} }))} />
          </>
        );
        break;
      case 'preflight':
        body = (
          <PreflightStep
            hosts={chosenHosts}
            queries={preflights}
            confirmed={w.confirmed}
            onConfirm={(id, yes) => setW((prev) => ({ ...prev, confirmed: yes ? [...prev.confirmed, id] : prev.confirmed.filter((c) => c !== id) }))}
            onLeaveOut={(id) => setW((prev) => ({ ...prev, hosts: prev.hosts.filter((h) => h !== id) }))}
          />
        );
        break;
      case 'modules':
        body = <ModulesStep infos={infos} chosen={w.modules} autoAdded={w.autoAdded} note={w.note} hosts={chosenHosts} installed={installedLists} onToggle={toggleModule} />;
        break;
      case 'settings':
        body = <SettingsStep modules={chosenInfos} values={Object.fromEntries(chosenInfos.map((m) => [m.id, w.values[m.id] ?? initialValues(m)]))} touched={attempted ? Object.fromEntries(chosenInfos.map((m) => [m.id, Object.fromEntries(m.fields.map((f) => [f.key, true]))])) : w.touched} errors={errors} server={w.server} onChange={changeValue} />;
        break;
      case 'plan':
        body = (
          <>
            {startTasks.isError ? (
              <Notice tone="error" testId="setup-apply-error">
                <strong>Could not start:</strong> {errorMessage(startTasks.error)}
              </Notice>
            ) : null}
            <PlanStep hosts={chosenHosts} plans={w.plans} onReplan={(id) => void replan(id)} />
          </>
        );
        break;
      case 'apply':
        body = (
          <ApplyStep
            tasks={tasks}
            missing={w.taskIds.length - tasks.length}
            stepsFor={(id) => {
              const r = w.plans[id];
              return r?.state === 'ok' ? r.plan.steps : undefined;
            }}
            moduleTitle={moduleTitle}
            onChangeSettings={w.modules.length ? () => go('settings') : undefined}
          />
        );
        break;
      case 'result':
        body = <ResultStep tasks={tasks} missing={w.taskIds.length - tasks.length} moduleTitle={moduleTitle} onStartOver={startOver} />;
        break;
    }
  }

  return (
    <div className="page setup-page" data-testid="setup-page" data-step={w.step}>
      <header className="page-header">
        <div className="page-heading">
          <h1 className="page-title">Set up services</h1>
          <p className="page-subtitle">Install and configure services on your hosts: every change is planned, shown, journaled on the host, verified and can be rolled back.</p>
        </div>
        {w.step !== 'hosts' ? (
          <button type="button" className="button ghost" onClick={startOver} data-testid="setup-reset">
            <Icon name="x" size={14} />
            {w.step === 'apply' || w.step === 'result' ? 'New setup' : 'Start over'}
          </button>
        ) : null}
      </header>
      <WizardStepper step={w.step} onGo={go} />
      <form className="wizard" onSubmit={next} noValidate aria-labelledby="wizard-step-title">
        <div className="wizard-head">
          <h2 className="wizard-title" id="wizard-step-title" ref={heading} tabIndex={-1}>
            {current + 1}. {WIZARD_STEPS[current]!.label}
          </h2>
          <p className="muted">{STEP_HELP[w.step]}</p>
        </div>
        <div className="wizard-body" data-testid={`wizard-${w.step}`}>
          {body}
        </div>
        {w.step !== 'result' ? (
          <div className="wizard-footer">
            {w.step === 'apply' ? (
              <span />
            ) : (
              <button type="button" className="button" onClick={back} disabled={current === 0 || planning} data-testid="wizard-back">
                <Icon name="chevronLeft" size={14} />
                Back
              </button>
            )}
            <span className={`wizard-blocker${attempted && blocker ? ' is-error' : ''}`} role="status" data-testid="wizard-blocker">
              {w.step === 'apply' && blocker ? 'Tasks run in the core: leave this page whenever you like.' : blocker ?? ''}
            </span>
            <button type="submit" className="button primary" disabled={Boolean(blocker) || startTasks.isPending} data-testid="wizard-next">
              {planning || startTasks.isPending ? <Spinner /> : w.step === 'plan' ? <Icon name="play" size={14} /> : null}
              {nextLabel}
              {w.step !== 'plan' && !planning ? <Icon name="chevronRight" size={14} /> : null}
            </button>
          </div>
        ) : null}
      </form>
    </div>
  );
}
