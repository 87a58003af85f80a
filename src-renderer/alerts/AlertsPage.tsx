import { useState } from 'react';
import { ALERT_KINDS, alertRuleInputSchema, formatDuration, formatThreshold, KIND_INFO, type Alert, type AlertKind, type AlertRule } from '../../src-common/alerts/alert.schema.js';
import { describeIssues } from '../../src-common/hosts/host.schema.js';
import { errorMessage } from '../api/api-error.js';
import { hostHref } from '../app/route.js';
import { Icon } from '../app/icons.js';
import { Badge, ErrorState, Skeleton } from '../app/ui.js';
import { useHosts } from '../hosts/use-hosts.js';
import './alerts.css';
import { useAcknowledgeAlert, useAlertRules, useAlerts, useDeleteRule, useSaveRule } from './use-alerts.js';

/** Active alerts first, then recently resolved ones; below, the rules that raise them. */
export function AlertsPage() {
  const alerts = useAlerts();
  const list = alerts.data ?? [];
  const active = list.filter((a) => a.resolvedAt === null);
  const resolved = list.filter((a) => a.resolvedAt !== null);
  return (
    <div className="page alerts-page" data-testid="alerts-page">
      <header className="page-header">
        <div className="page-heading">
          <h1 className="page-title">Alerts</h1>
          <p className="page-subtitle">{alerts.data ? `${active.length} active, ${resolved.length} recently resolved` : 'Thresholds on temperature, disks, memory, reachability and idle GPU memory.'}</p>
        </div>
      </header>
      {alerts.isPending ? (
        <Skeleton className="skeleton-block" />
      ) : alerts.isError ? (
        <ErrorState title="Could not load alerts" message={errorMessage(alerts.error)} onRetry={() => void alerts.refetch()} />
      ) : active.length === 0 ? (
        // One line, not a page-high empty state: the rules below are what an admin comes here for.
        <div className="alerts-clear" role="status" data-testid="alerts-empty">
          <Icon name="check" size={16} />
          <span>
            <strong>All clear.</strong> No alert is active.
          </span>
        </div>
      ) : (
        <AlertTable alerts={active} testId="alerts-active" />
      )}
      {resolved.length ? (
        <section className="panel">
          <h2 className="panel-title">Recently resolved</h2>
          <AlertTable alerts={resolved} testId="alerts-resolved" />
        </section>
      ) : null}
      <RulesEditor />
    </div>
  );
}

function time(t: number): string {
  return new Date(t).toLocaleString();
}

function AlertTable({ alerts, testId }: { alerts: Alert[]; testId: string }) {
  const ack = useAcknowledgeAlert();
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th>Severity</th>
            <th>Host</th>
            <th>What</th>
            <th>Since</th>
            <th>Resolved</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <tr key={a.id} className={`alert-row alert-${a.severity}${a.resolvedAt !== null ? ' is-resolved' : ''}`} data-testid={`alert-${a.id}`}>
              <td>
                <Badge tone={a.resolvedAt !== null ? 'neutral' : a.severity === 'critical' ? 'error' : 'warn'}>{a.severity}</Badge>
              </td>
              <td>
                <a href={hostHref(a.hostId)}>{a.hostName}</a>
              </td>
              <td className="alert-message">{a.message}</td>
              <td>{time(a.startedAt)}</td>
              <td>{a.resolvedAt !== null ? time(a.resolvedAt) : '—'}</td>
              <td>
                {a.acknowledged ? (
                  <span className="alert-acked">Acknowledged</span>
                ) : (
                  <button type="button" className="button small" disabled={ack.isPending} onClick={() => ack.mutate(a.id)} data-testid={`alert-ack-${a.id}`}>
                    Acknowledge
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type ScopeKey = string; // "all", "host:ID", "tag:NAME"

interface Draft {
  id?: number;
  kind: AlertKind;
  threshold: string;
  forSeconds: string;
  scope: ScopeKey;
  enabled: boolean;
}

function scopeKey(r: AlertRule): ScopeKey {
  return r.scope.type === 'all' ? 'all' : r.scope.type === 'host' ? `host:${r.scope.hostId}` : `tag:${r.scope.tag}`;
}

function toDraft(r: AlertRule): Draft {
  return { id: r.id, kind: r.kind, threshold: String(r.threshold), forSeconds: String(r.forSeconds), scope: scopeKey(r), enabled: r.enabled };
}

function parseDraft(d: Draft) {
  const scope = d.scope === 'all' ? { type: 'all' } : d.scope.startsWith('host:') ? { type: 'host', hostId: Number(d.scope.slice(5)) } : { type: 'tag', tag: d.scope.slice(4) };
  const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
  return alertRuleInputSchema.safeParse({ id: d.id, kind: d.kind, threshold: num(d.threshold), forSeconds: num(d.forSeconds), scope, enabled: d.enabled });
}

function RulesEditor() {
  const rules = useAlertRules();
  const [adding, setAdding] = useState(false);
  return (
    <section className="panel" data-testid="alert-rules">
      <div className="panel-title-row">
        <h2 className="panel-title">Rules</h2>
        <button type="button" className="button small" onClick={() => setAdding(true)} disabled={adding} data-testid="alert-rule-add">
          Add rule
        </button>
      </div>
      {rules.isPending ? (
        <Skeleton className="skeleton-block" />
      ) : rules.isError ? (
        <ErrorState title="Could not load rules" message={errorMessage(rules.error)} onRetry={() => void rules.refetch()} />
      ) : (
        <div className="table-wrap">
          <table className="table alert-rules">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Threshold</th>
                <th>For (s)</th>
                <th>Enabled</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rules.data.map((r) => (
                <RuleRow key={r.id} initial={toDraft(r)} />
              ))}
              {adding ? <RuleRow initial={{ kind: 'gpu-temp', threshold: '85', forSeconds: '60', scope: 'all', enabled: true }} onDone={() => setAdding(false)} /> : null}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RuleRow({ initial, onDone }: { initial: Draft; onDone?: () => void }) {
  const [draft, setDraft] = useState<Draft>(initial);
  const save = useSaveRule();
  const remove = useDeleteRule();
  const hosts = useHosts();
  const parsed = parseDraft(draft);
  const dirty = JSON.stringify(draft) !== JSON.stringify(initial) || initial.id === undefined;
  const problem = parsed.success ? (save.error ? errorMessage(save.error) : null) : describeIssues(parsed.error);
  const info = KIND_INFO[draft.kind];
  const tags = [...new Set((hosts.data ?? []).flatMap((h) => h.tags))].sort();
  const set = (patch: Partial<Draft>) => {
    save.reset();
    setDraft((d) => ({ ...d, ...patch }));
  };
  const testId = `alert-rule-${initial.id ?? 'new'}`;
  return (
    <>
      <tr data-testid={testId}>
        {/* Kind and scope share a cell: side by side where there is room, one above the other in a narrow window. */}
        <td className="alert-rule-what">
          <div className="alert-rule-selects">
            <select className="input select alert-kind" value={draft.kind} onChange={(e) => set({ kind: e.target.value as AlertKind })} aria-label="Kind">
              {ALERT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {KIND_INFO[k].label}
                </option>
              ))}
            </select>
            <select className="input select alert-scope" value={draft.scope} onChange={(e) => set({ scope: e.target.value })} aria-label="Scope">
              <option value="all">All hosts</option>
              {(hosts.data ?? []).map((h) => (
                <option key={h.id} value={`host:${h.id}`}>
                  Host {h.name}
                </option>
              ))}
              {tags.map((t) => (
                <option key={t} value={`tag:${t}`}>
                  Tag {t}
                </option>
              ))}
              {!['all', ...(hosts.data ?? []).map((h) => `host:${h.id}`), ...tags.map((t) => `tag:${t}`)].includes(draft.scope) ? <option value={draft.scope}>{draft.scope}</option> : null}
            </select>
          </div>
        </td>
        <td>
          {info.usesThreshold ? (
            <span className="alert-threshold">
              <input className="input" inputMode="decimal" value={draft.threshold} onChange={(e) => set({ threshold: e.target.value })} aria-label="Threshold" aria-invalid={!parsed.success} />
              <span className="alert-unit">{info.unit}</span>
            </span>
          ) : (
            <span title="Host down fires when the host stays unreachable">{formatThreshold(draft.kind, 1)}</span>
          )}
        </td>
        <td>
          <input className="input alert-seconds" inputMode="numeric" value={draft.forSeconds} onChange={(e) => set({ forSeconds: e.target.value })} aria-label="For seconds" title={parsed.success ? formatDuration(parsed.data.forSeconds) : undefined} />
        </td>
        <td>
          <input type="checkbox" className="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} aria-label="Enabled" />
        </td>
        {/* A flex cell stops being a table cell and its borders no longer line up: the row lays out a box inside it. */}
        <td className="alert-rule-actions-cell">
          <div className="alert-rule-actions">
            {/* Saved rows show no Save button (five disabled ones read as noise); it appears once the row changes. */}
            <button
              type="button"
              className={`button small primary${dirty ? '' : ' is-idle'}`}
              disabled={!dirty || !parsed.success || save.isPending}
              aria-hidden={dirty ? undefined : true}
              onClick={() => parsed.success && save.mutate(parsed.data, { onSuccess: () => onDone?.() })}
              data-testid={`${testId}-save`}
            >
              Save
            </button>
            {initial.id !== undefined ? (
              <button type="button" className="button small ghost danger-text" disabled={remove.isPending} onClick={() => remove.mutate(initial.id!)} aria-label={`Delete the ${info.label} rule`}>
                Delete
              </button>
            ) : (
              <button type="button" className="button small" onClick={onDone}>
                Cancel
              </button>
            )}
          </div>
        </td>
      </tr>
      {problem ? (
        <tr className="alert-rule-problem">
          <td colSpan={5} className="field-error" role="alert" data-testid={`${testId}-error`}>
            {problem}
          </td>
        </tr>
      ) : null}
    </>
  );
}
