import type { LimitsForm } from './user-limits.js';

/**
 * The limit fields of a user's limits and of a profile, each checked as typed with the core's own
 * rules (errorOf: the schema's message for that field, if any).
 */
type Key = Exclude<keyof LimitsForm, 'profile'>;

const FIELDS: { key: Key; label: string; placeholder: string; hint: string; schemaKey: string[] }[] = [
  { key: 'cpu', label: 'CPU (cores)', placeholder: 'e.g. 2 or 0.5', hint: 'all of the user’s processes together', schemaKey: ['cpu'] },
  { key: 'memory', label: 'Memory', placeholder: 'e.g. 8G', hint: 'past it the kernel kills in the user’s processes', schemaKey: ['memory'] },
  { key: 'swap', label: 'Swap', placeholder: 'e.g. 0', hint: 'on top of memory (cgroup v2 hosts)', schemaKey: ['swap'] },
  { key: 'tasks', label: 'Tasks', placeholder: 'e.g. 512', hint: 'processes and threads: a fork bomb stops here', schemaKey: ['tasks'] },
  { key: 'containers', label: 'Containers', placeholder: 'e.g. 2', hint: 'running at once; they run under the limits above', schemaKey: ['containers'] },
  { key: 'gpus', label: 'GPUs', placeholder: 'e.g. 2, or 0,1', hint: '2: any two per container · 0,1: exactly those (one GPU: 3,)', schemaKey: ['gpus'] },
  { key: 'diskSoft', label: 'Disk (soft)', placeholder: 'e.g. 40G', hint: 'a notice past it', schemaKey: ['disk', 'soft'] },
  { key: 'diskHard', label: 'Disk (hard)', placeholder: 'e.g. 50G', hint: 'writes stop here (where the kernel has quotas)', schemaKey: ['disk', 'hard'] },
];

export function LimitFields({ form, onChange, errorOf, testId }: { form: LimitsForm; onChange: (f: LimitsForm) => void; errorOf: (path: string[]) => string | undefined; testId: string }) {
  return (
    <div className="form-grid">
      {FIELDS.map((f) => {
        const error = form[f.key].trim() ? (errorOf(f.schemaKey) ?? (f.key === 'diskHard' || f.key === 'diskSoft' ? errorOf(['disk']) : undefined)) : undefined;
        return (
          <label key={f.key} className={`field${error ? ' field-invalid' : ''}`}>
            <span className="field-label">{f.label}</span>
            <input className="input" type="text" autoComplete="off" spellCheck={false} value={form[f.key]} placeholder={f.placeholder} aria-invalid={error ? true : undefined} onChange={(e) => onChange({ ...form, [f.key]: e.target.value })} data-testid={`${testId}-${f.key}`} />
            {error ? (
              <span className="field-error" role="alert" data-testid={`${testId}-${f.key}-error`}>
                {error}
              </span>
            ) : (
              <span className="field-hint">{f.hint}</span>
            )}
          </label>
        );
      })}
    </div>
  );
}

/** The schema's message for a field under `prefix` (e.g. ['users', 3]), matching a path that starts with it. */
export function issueAt(issues: readonly { path: readonly PropertyKey[]; message: string }[] | undefined, prefix: readonly PropertyKey[], key: readonly string[]): string | undefined {
  const want = [...prefix, ...key];
  return issues?.find((i) => want.every((p, n) => i.path[n] === p))?.message;
}
