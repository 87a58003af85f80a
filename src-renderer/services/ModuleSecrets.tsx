import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ModuleSecret } from '../../src-common/change/modules.contract.js';
import { useApi } from '../api/api-context.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { Spinner } from '../app/ui.js';
import { useToast } from '../app/toast.js';

/** How long a shown password stays on screen. */
const SHOWN_MS = 60_000;

/**
 * The passwords an installed module keeps on the host (the backup repository's, Portainer's
 * admin password, the published Prometheus's login): Show reads one from the host (audited) and
 * shows it for a minute; Copy puts it on the clipboard. Says where a copy is kept: the desktop
 * app's OS keychain, or nowhere on this laptop (the browser and the CLI keep none).
 */
export function ModuleSecrets({ hostId, module, secrets, connected }: { hostId: number; module: string; secrets: readonly ModuleSecret[]; connected: boolean }) {
  if (!secrets.length) return null;
  return (
    <div className="services-secrets" data-testid={`service-${module}-secrets`}>
      {secrets.map((s) => (
        <SecretRow key={s.key} hostId={hostId} module={module} secret={s} connected={connected} />
      ))}
    </div>
  );
}

function SecretRow({ hostId, module, secret, connected }: { hostId: number; module: string; secret: ModuleSecret; connected: boolean }) {
  const { client } = useApi();
  const toast = useToast();
  const read = useMutation({ mutationFn: () => client.change.secret({ id: hostId, module, key: secret.key }) });
  const [shown, setShown] = useState(false);
  const reset = read.reset;
  useEffect(() => {
    if (!shown) return;
    const t = setTimeout(() => {
      setShown(false);
      reset();
    }, SHOWN_MS);
    return () => clearTimeout(t);
  }, [shown, reset]);

  const value = read.data?.value ?? null;
  const fetchValue = async () => (read.data ? read.data.value : (await read.mutateAsync()).value);
  const show = async () => {
    if (shown) {
      setShown(false);
      reset();
      return;
    }
    try {
      await fetchValue();
      setShown(true);
    } catch {
      /* said below */
    }
  };
  const copy = async () => {
    try {
      const v = await fetchValue();
      if (v === null) return;
      await navigator.clipboard.writeText(v);
      toast({ tone: 'success', title: 'Copied', message: `${secret.label}${secret.user ? ` (user ${secret.user})` : ''}` });
    } catch (err) {
      toast({ tone: 'error', title: 'Could not copy', message: read.isError ? errorMessage(err) : 'The clipboard is not available here: use Show and copy it by hand.' });
    }
  };
  const where = read.data ? (read.data.source === 'keychain' ? 'from this laptop’s keychain (the host did not answer)' : read.data.kept ? 'a copy is in this laptop’s keychain' : 'not kept on this laptop: keep it in your password manager') : null;

  return (
    <div className="services-secret" data-testid={`service-${module}-secret-${secret.key}`}>
      <span className="services-secret-label">
        <Icon name="key" size={12} />
        <span>
          {secret.label}
          {secret.user ? <span className="muted"> (user {secret.user})</span> : null}
        </span>
      </span>
      {shown && value !== null ? (
        <code className="services-secret-value mono" data-testid="secret-value">
          {value}
        </code>
      ) : read.data && value === null ? (
        <span className="muted small-text">not on this host (left out, or not made yet)</span>
      ) : null}
      <span className="services-secret-actions">
      <button type="button" className="button small" onClick={() => void show()} disabled={(!connected && !read.data) || read.isPending} aria-pressed={shown} data-testid="secret-show">
        {read.isPending ? <Spinner /> : <Icon name={shown ? 'x' : 'key'} size={12} />}
        {shown ? 'Hide' : 'Show'}
      </button>
      <button type="button" className="button small" onClick={() => void copy()} disabled={(!connected && !read.data) || read.isPending || (read.data !== undefined && value === null)} data-testid="secret-copy">
        <Icon name="copy" size={12} />
        Copy
      </button>
      </span>
      {where ? (
        <span className="muted small-text" data-testid="secret-where">
          {where}
        </span>
      ) : null}
      {read.isError ? (
        <span className="services-secret-error small-text" role="alert">
          {errorMessage(read.error)}
        </span>
      ) : null}
    </div>
  );
}
