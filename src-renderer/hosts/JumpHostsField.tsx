import { useId } from 'react';
import { jumpAuthMethodSchema } from '../../src-common/hosts/host.schema.js';
import { Icon } from '../app/icons.js';
import { AUTH_LABELS, newJumpRow, type JumpRow } from './host-form.js';

interface Props {
  rows: JumpRow[];
  onChange: (rows: JumpRow[]) => void;
  errorFor: (field: string) => string | undefined;
}

const MAX_HOPS = 8;

/** Optional jump hosts (like ProxyJump), in the order they are crossed; each is verified hop by hop. */
export function JumpHostsField({ rows, onChange, errorFor }: Props) {
  const id = useId();
  const update = (index: number, patch: Partial<JumpRow>) => onChange(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));

  return (
    <fieldset className="fieldset jump-hosts">
      <legend className="field-label">Jump hosts</legend>
      {rows.length === 0 ? <p className="field-hint">Optional. Reach the host through one or more bastions, like ssh -J.</p> : null}
      {rows.map((row, i) => {
        const errors = ['user', 'address', 'port', 'auth', 'keyPath'].map((f) => errorFor(`jump.${i}.${f}`)).filter(Boolean);
        const invalid = (f: string) => (errorFor(`jump.${i}.${f}`) ? true : undefined);
        const prefix = `${id}-jump-${row.key}`;
        return (
          <div key={row.key} className="jump-row" data-testid={`jump-row-${i}`}>
            <span className="jump-index" aria-hidden="true">
              {i + 1}
            </span>
            <div className="jump-fields">
              <div className="jump-line">
                <input
                  className="input jump-user"
                  aria-label={`Jump host ${i + 1} user`}
                  placeholder="user"
                  spellCheck={false}
                  autoComplete="off"
                  value={row.user}
                  aria-invalid={invalid('user')}
                  onChange={(e) => update(i, { user: e.target.value })}
                  data-testid={`jump-user-${i}`}
                  id={`${prefix}-user`}
                />
                <span className="jump-sep">@</span>
                <input
                  className="input jump-address"
                  aria-label={`Jump host ${i + 1} address`}
                  placeholder="bastion.example.org"
                  spellCheck={false}
                  autoComplete="off"
                  value={row.address}
                  aria-invalid={invalid('address')}
                  onChange={(e) => update(i, { address: e.target.value })}
                  data-testid={`jump-address-${i}`}
                />
                <span className="jump-sep">:</span>
                <input
                  className="input jump-port"
                  aria-label={`Jump host ${i + 1} port`}
                  inputMode="numeric"
                  value={row.port}
                  aria-invalid={invalid('port')}
                  onChange={(e) => update(i, { port: e.target.value })}
                  data-testid={`jump-port-${i}`}
                />
                <select
                  className="input select jump-auth"
                  aria-label={`Jump host ${i + 1} authentication`}
                  value={row.auth}
                  onChange={(e) => update(i, { auth: jumpAuthMethodSchema.parse(e.target.value) })}
                  data-testid={`jump-auth-${i}`}
                >
                  {jumpAuthMethodSchema.options.map((m) => (
                    <option key={m} value={m}>
                      {AUTH_LABELS[m]}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Remove jump host ${i + 1}`}
                  title="Remove"
                  onClick={() => onChange(rows.filter((_, j) => j !== i))}
                  data-testid={`jump-remove-${i}`}
                >
                  <Icon name="trash" size={14} />
                </button>
              </div>
              {row.auth === 'key' ? (
                <input
                  className="input"
                  aria-label={`Jump host ${i + 1} key file`}
                  placeholder="~/.ssh/id_ed25519"
                  spellCheck={false}
                  value={row.keyPath}
                  onChange={(e) => update(i, { keyPath: e.target.value })}
                  data-testid={`jump-keypath-${i}`}
                />
              ) : null}
              {errors.length > 0 ? (
                <span className="field-error" role="alert" data-testid={`field-error-jump-${i}`}>
                  {errors.join(' ')}
                </span>
              ) : null}
            </div>
          </div>
        );
      })}
      {rows.length < MAX_HOPS ? (
        <button type="button" className="button ghost small" onClick={() => onChange([...rows, newJumpRow()])} data-testid="host-form-add-jump">
          <Icon name="plus" size={14} />
          Add jump host
        </button>
      ) : null}
    </fieldset>
  );
}
