import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { describeIssues, hostInputSchema } from '../../src-common/hosts/host.schema.js';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { errorMessage } from '../api/api-error.js';
import { useApi } from '../api/api-context.js';
import { Icon } from '../app/icons.js';
import { useToast } from '../app/toast.js';
import { EmptyState, ErrorState, Skeleton, Spinner } from '../app/ui.js';
import { plural } from '../format.js';
import { sameLoginAs } from './host-form.js';
import { hostKeys, useSshConfigCandidates } from './use-hosts.js';

interface Props {
  existing: HostWithState[];
  onReview: (alias: string, input: Record<string, unknown>) => void;
  onDone: () => void;
  onCancel: () => void;
}

type RowResult = { ok: true } | { ok: false; message: string };

function summary(input: Record<string, unknown>): string {
  const user = typeof input.user === 'string' ? `${input.user}@` : '';
  if (typeof input.address !== 'string' || !input.address) return '';
  const address = input.address;
  const port = typeof input.port === 'number' && input.port !== 22 ? `:${input.port}` : '';
  const jump = Array.isArray(input.jump) && input.jump.length > 0 ? ` via ${plural(input.jump.length, 'jump host')}` : '';
  return `${user}${address}${port}${jump}`;
}

/** Lists the Host entries of ~/.ssh/config; the user picks some and adds them in one go. */
export function SshConfigImport({ existing, onReview, onDone, onCancel }: Props) {
  const candidates = useSshConfigCandidates(true);
  const { client } = useApi();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [results, setResults] = useState<Record<string, RowResult>>({});
  const [busy, setBusy] = useState(false);
  const names = new Set(existing.map((h) => h.name));

  if (candidates.isPending) {
    return (
      <div className="import-list" data-testid="ssh-config-loading">
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} className="skeleton-row" />
        ))}
      </div>
    );
  }
  if (candidates.isError) {
    return <ErrorState title="Could not read ~/.ssh/config" message={errorMessage(candidates.error)} onRetry={() => void candidates.refetch()} testId="ssh-config-error" />;
  }
  const rows = candidates.data;
  if (rows.length === 0) {
    return (
      <EmptyState icon="download" title="Nothing to import" testId="ssh-config-empty">
        No <code className="inline-code">Host</code> entries were found in ~/.ssh/config. Add hosts by hand instead.
      </EmptyState>
    );
  }

  const addSelected = async () => {
    setBusy(true);
    let added = 0;
    let failed = 0;
    for (const c of rows) {
      if (!selected.has(c.alias) || results[c.alias]?.ok) continue;
      const parsed = hostInputSchema.safeParse(c.input);
      if (!parsed.success) {
        failed += 1;
        setResults((r) => ({ ...r, [c.alias]: { ok: false, message: describeIssues(parsed.error) } }));
        continue;
      }
      try {
        // The list said which entries share a login with a stored host: picking one confirms it.
        await client.hosts.add({ ...parsed.data, ifDuplicate: 'add' });
        added += 1;
        setResults((r) => ({ ...r, [c.alias]: { ok: true } }));
      } catch (err) {
        failed += 1;
        setResults((r) => ({ ...r, [c.alias]: { ok: false, message: errorMessage(err) } }));
      }
    }
    setBusy(false);
    await queryClient.invalidateQueries({ queryKey: hostKeys.list() });
    if (added > 0) toast({ tone: 'success', title: `Added ${plural(added, 'host')} from ~/.ssh/config` });
    if (added > 0 && failed === 0) onDone();
  };

  const importable = rows.filter((c) => !c.problem && !names.has(c.alias));
  return (
    <div className="import" data-testid="ssh-config-list">
      <div className="import-toolbar">
        <span className="muted">{plural(rows.length, 'entry', 'entries')} in ~/.ssh/config</span>
        <button
          type="button"
          className="button ghost small"
          onClick={() => setSelected(selected.size === importable.length ? new Set() : new Set(importable.map((c) => c.alias)))}
          disabled={importable.length === 0}
        >
          {selected.size === importable.length && importable.length > 0 ? 'Select none' : 'Select all'}
        </button>
      </div>
      <ul className="import-list">
        {rows.map((c) => {
          const already = names.has(c.alias);
          const sameLogin = already ? null : sameLoginAs(existing, c.input);
          const result = results[c.alias];
          const disabled = Boolean(c.problem) || already || result?.ok === true;
          return (
            <li key={c.alias} className={`import-row${disabled ? ' is-disabled' : ''}`} data-testid={`ssh-config-candidate-${c.alias}`}>
              <label className="import-check">
                <input
                  type="checkbox"
                  disabled={disabled || busy}
                  checked={selected.has(c.alias) && !disabled}
                  onChange={(e) => {
                    const next = new Set(selected);
                    if (e.target.checked) next.add(c.alias);
                    else next.delete(c.alias);
                    setSelected(next);
                  }}
                  data-testid={`ssh-config-check-${c.alias}`}
                />
                <span className="import-text">
                  <span className="import-alias">{c.alias}</span>
                  {summary(c.input) ? <span className="import-summary mono">{summary(c.input)}</span> : null}
                  {c.problem ? <span className="import-problem">{c.problem}</span> : null}
                  {already ? <span className="import-note">Already in your fleet</span> : null}
                  {sameLogin && !result?.ok ? (
                    <span className="import-note" data-testid={`ssh-config-same-login-${c.alias}`}>
                      Same login as {sameLogin.name}: adding it makes a second entry
                    </span>
                  ) : null}
                  {result && !result.ok ? <span className="import-problem">{result.message}</span> : null}
                  {result?.ok ? (
                    <span className="import-added">
                      <Icon name="check" size={12} /> Added
                    </span>
                  ) : null}
                </span>
              </label>
              {!already && !result?.ok ? (
                <button type="button" className="button ghost small" onClick={() => onReview(c.alias, c.input)} data-testid={`ssh-config-review-${c.alias}`}>
                  {c.problem ? 'Fix…' : 'Review…'}
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
      <div className="modal-footer modal-footer-inline">
        <button type="button" className="button" onClick={onCancel}>
          Close
        </button>
        <button type="button" className="button primary" disabled={selected.size === 0 || busy} onClick={() => void addSelected()} data-testid="import-add-selected">
          {busy ? <Spinner /> : <Icon name="download" size={14} />}
          {selected.size === 0 ? 'Add selected' : `Add ${plural(selected.size, 'host')}`}
        </button>
      </div>
    </div>
  );
}
