import { useId, useMemo, useRef, useState, type ChangeEvent } from 'react';
import { authMethodSchema, type AuthMethod } from '../../src-common/hosts/host.schema.js';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { Field } from '../app/Field.js';
import { Icon } from '../app/icons.js';
import { useToast } from '../app/toast.js';
import { Notice, Spinner } from '../app/ui.js';
import { AUTH_LABELS, loginLabel, saveProblem, validateForm, type HostFormState, type SaveProblem } from './host-form.js';
import { JumpHostsField } from './JumpHostsField.js';
import { useAddHost, useUpdateHost } from './use-hosts.js';

const AUTH_HINTS: Record<AuthMethod, string> = {
  agent: 'Uses the keys loaded in your ssh-agent.',
  key: 'A private key file on this computer.',
  password: 'Asked for when you connect; kept in memory only.',
  'keyboard-interactive': 'For servers with one-time codes; asked for when you connect.',
};

interface Props {
  initial: HostFormState;
  /** Present when editing. */
  editing?: HostWithState;
  onDone: () => void;
  onCancel: () => void;
}

/** Add or edit one host. Validates with the core's own zod schema as the user types; the core checks again. */
export function HostForm({ initial, editing, onDone, onCancel }: Props) {
  const [form, setForm] = useState<HostFormState>(initial);
  const [submitted, setSubmitted] = useState(false);
  const add = useAddHost();
  const update = useUpdateHost();
  const toast = useToast();
  const formRef = useRef<HTMLFormElement>(null);
  const id = useId();
  const validation = useMemo(() => validateForm(form), [form]);
  const mutation = editing ? update : add;
  const problem: SaveProblem | null = mutation.error ? saveProblem(mutation.error) : null;
  // Set once the core said another host has this login; the next submit stores it anyway.
  const duplicate = problem?.kind === 'duplicate' ? problem.of : null;

  // Messages appear after the first submit and then follow the typing. Showing them on blur would
  // move the layout under the pointer between mousedown and mouseup, and swallow clicks. What
  // the core found (a key file that is not a key) goes next to its field too.
  const errorFor = (field: string): string | undefined => {
    if (!submitted) return undefined;
    if (!validation.ok) return validation.errors[field];
    return problem?.kind === 'field' && problem.field === field ? problem.message : undefined;
  };
  const set =
    <K extends keyof HostFormState>(key: K) =>
    (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
      mutation.reset();
      setForm((f) => ({ ...f, [key]: key === 'auth' ? authMethodSchema.parse(e.target.value) : e.target.value }));
    };
  const text = (field: keyof HostFormState & string, extra: { placeholder?: string; autoFocus?: boolean; inputMode?: 'numeric' } = {}) => ({
    id: `${id}-${field}`,
    className: 'input',
    value: form[field] as string,
    onChange: set(field),
    spellCheck: false,
    autoComplete: 'off',
    'aria-invalid': errorFor(field) ? true : undefined,
    'aria-describedby': errorFor(field) ? `${id}-${field}-error` : undefined,
    'data-testid': `host-form-${field.toLowerCase()}`,
    placeholder: extra.placeholder,
    inputMode: extra.inputMode,
    ...(extra.autoFocus ? { 'data-autofocus': true } : {}),
  });

  const submit = () => {
    setSubmitted(true);
    if (!validation.ok) {
      // Put the caret where the first problem is.
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    // The core warns about a login another host already has; once shown, submitting again confirms.
    const input = { ...validation.input, ifDuplicate: duplicate ? ('add' as const) : ('refuse' as const) };
    const done = () => {
      toast({ tone: 'success', title: editing ? `Saved ${input.name}` : `Added ${input.name}`, message: editing ? undefined : 'Connect to read its inventory.' });
      onDone();
    };
    const focusField = () => requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
    if (editing) update.mutate({ id: editing.id, host: input }, { onSuccess: done, onError: focusField });
    else add.mutate(input, { onSuccess: done, onError: focusField });
  };

  return (
    <form
      ref={formRef}
      className="form host-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {problem?.kind === 'other' ? (
        <Notice tone="error" testId="host-form-error">
          {problem.message}
        </Notice>
      ) : null}
      {duplicate && validation.ok ? (
        <Notice tone="warning" testId="host-form-duplicate">
          <strong>{duplicate.name}</strong> already logs in as <span className="mono">{loginLabel(validation.input)}</span>. {editing ? 'Save' : 'Add'} it anyway as a second entry for the same
          login, or change the address, port or user.
        </Notice>
      ) : null}
      <Field label="Name" htmlFor={`${id}-name`} error={errorFor('name')} errorTestId="field-error-name" hint="How the host appears in Fleetdeck.">
        <input {...text('name', { placeholder: 'gpu-1', autoFocus: true })} />
      </Field>
      <div className="field-row">
        <Field label="Address" htmlFor={`${id}-address`} error={errorFor('address')} errorTestId="field-error-address" className="grow">
          <input {...text('address', { placeholder: 'gpu-1.lab.example.org or 10.0.0.5' })} />
        </Field>
        {/* The port's message goes under the whole row: the column is too narrow for a sentence. */}
        <Field label="Port" htmlFor={`${id}-port`} className="field-port">
          <input {...text('port', { inputMode: 'numeric' })} />
        </Field>
      </div>
      {errorFor('port') ? (
        <span className="field-error field-error-row" id={`${id}-port-error`} role="alert" data-testid="field-error-port">
          {errorFor('port')}
        </span>
      ) : null}
      <div className="field-row">
        <Field label="User" htmlFor={`${id}-user`} error={errorFor('user')} errorTestId="field-error-user" className="grow">
          <input {...text('user', { placeholder: 'admin' })} />
        </Field>
        <Field label="Authentication" htmlFor={`${id}-auth`} error={errorFor('auth')} errorTestId="field-error-auth" className="grow" hint={AUTH_HINTS[form.auth]}>
          <select id={`${id}-auth`} className="input select" value={form.auth} onChange={set('auth')} data-testid="host-form-auth">
            {authMethodSchema.options.map((m) => (
              <option key={m} value={m}>
                {AUTH_LABELS[m]}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {form.auth === 'key' ? (
        <Field label="Private key file" htmlFor={`${id}-keyPath`} error={errorFor('keyPath')} errorTestId="field-error-keypath" hint="Path on this computer. Its passphrase, if any, is asked for when connecting.">
          <input {...text('keyPath', { placeholder: '~/.ssh/id_ed25519' })} />
        </Field>
      ) : null}
      <JumpHostsField
        rows={form.jump}
        onChange={(jump) => {
          mutation.reset();
          setForm((f) => ({ ...f, jump }));
        }}
        errorFor={errorFor}
      />
      <Field label="Tags" htmlFor={`${id}-tags`} error={errorFor('tags')} errorTestId="field-error-tags" hint="Comma separated, e.g. gpu, lab-a. Used to filter the fleet.">
        <input {...text('tags', { placeholder: 'gpu, lab-a' })} />
      </Field>
      <div className="modal-footer modal-footer-inline">
        <button type="button" className="button" onClick={onCancel} data-testid="host-form-cancel">
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={mutation.isPending} data-testid="host-form-submit">
          {mutation.isPending ? <Spinner /> : <Icon name={editing ? 'check' : 'plus'} size={14} />}
          {duplicate ? (editing ? 'Save anyway' : 'Add anyway') : editing ? 'Save changes' : 'Add host'}
        </button>
      </div>
    </form>
  );
}
