import type { ModuleInfo, SettingField } from '../../src-common/change/modules.contract.js';
import { Field } from '../app/Field.js';
import { Icon } from '../app/icons.js';
import { Notice } from '../app/ui.js';
import type { FormErrors, FormValue, FormValues } from './wizard-state.js';

export const fieldId = (module: string, key: string) => `setting-${module}-${key}`;

/**
 * Step 3: each chosen module's settings, a form built from its fields and checked with its own
 * schema as the user types; the core's refusal, when it has one, shows under the same field.
 */
export function SettingsStep({
  modules,
  values,
  touched,
  errors,
  server,
  onChange,
}: {
  modules: readonly ModuleInfo[];
  values: Readonly<Record<string, FormValues>>;
  touched: Readonly<Record<string, Readonly<Record<string, boolean>>>>;
  errors: Readonly<Record<string, FormErrors>>;
  server: Readonly<Record<string, FormErrors>>;
  onChange: (module: string, key: string, value: FormValue) => void;
}) {
  return (
    <div className="setup-settings">
      {modules.map((m) => {
        const mine = errors[m.id] ?? { fields: {}, form: [] };
        const theirs = server[m.id] ?? { fields: {}, form: [] };
        const formProblems = [...theirs.form, ...mine.form];
        return (
          <fieldset key={m.id} className="panel settings-panel" data-testid={`settings-${m.id}`}>
            <legend className="settings-legend">
              <Icon name="cog" size={16} />
              {m.title}
            </legend>
            {m.fields.length === 0 ? (
              <p className="muted">Nothing to set: {m.title} is set up the way Fleetdeck recommends.</p>
            ) : (
              <div className="settings-grid">
                {m.fields.filter((f) => !f.showWhen || f.showWhen.is.includes(String(values[m.id]?.[f.showWhen.key] ?? ''))).map((f) => {
                  // The core's word stands until the field is edited; the schema's shows once touched.
                  const error = theirs.fields[f.key] ?? (touched[m.id]?.[f.key] ? mine.fields[f.key] : undefined);
                  return <SettingControl key={f.key} module={m.id} field={f} value={values[m.id]?.[f.key] ?? ''} error={error} onChange={(v) => onChange(m.id, f.key, v)} />;
                })}
              </div>
            )}
            {formProblems.length ? (
              <Notice tone="error" testId={`settings-${m.id}-form-error`}>
                {formProblems.join(' ')}
              </Notice>
            ) : null}
          </fieldset>
        );
      })}
    </div>
  );
}

function SettingControl({ module, field: f, value, error, onChange }: { module: string; field: SettingField; value: FormValue; error: string | undefined; onChange: (v: FormValue) => void }) {
  const id = fieldId(module, f.key);
  const described = error ? `${id}-error` : undefined;
  const common = { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': described, 'data-testid': id } as const;
  if (f.kind === 'boolean') {
    return (
      <div className={`field settings-boolean${error ? ' field-invalid' : ''}`}>
        <label className="checkbox" htmlFor={id}>
          <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span className="field-label">{f.label}</span>
        </label>
        {error ? (
          <span className="field-error" id={`${id}-error`} role="alert" data-testid={`${id}-error`}>
            {error}
          </span>
        ) : f.help ? (
          <span className="field-hint">{f.help}</span>
        ) : null}
      </div>
    );
  }
  let control;
  switch (f.kind) {
    case 'select':
      control = (
        <select className="input select" {...common} value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {(f.options ?? []).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
      break;
    case 'list':
      control = <textarea className="input settings-textarea" {...common} rows={4} value={String(value)} placeholder={f.placeholder ?? 'One per line'} spellCheck={false} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'number':
      control = <input className="input settings-number" {...common} type="text" inputMode="numeric" autoComplete="off" value={String(value)} placeholder={f.placeholder} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'secret':
      control = <input className="input" {...common} type="password" autoComplete="new-password" value={String(value)} placeholder={f.placeholder} onChange={(e) => onChange(e.target.value)} />;
      break;
    default:
      control = <input className="input" {...common} type="text" autoComplete="off" spellCheck={false} value={String(value)} placeholder={f.placeholder} onChange={(e) => onChange(e.target.value)} />;
  }
  const hint = f.kind === 'list' ? `${f.help ? `${f.help} ` : ''}One per line.` : f.kind === 'secret' ? `${f.help ? `${f.help} ` : ''}Not stored: asked again when needed.` : f.help;
  return (
    <Field label={f.label} htmlFor={id} error={error} hint={hint} errorTestId={`${id}-error`} className={f.kind === 'number' ? 'settings-field-number' : f.kind === 'list' ? 'settings-field-wide' : undefined}>
      {control}
    </Field>
  );
}
