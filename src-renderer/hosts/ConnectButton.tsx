import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { Icon } from '../app/icons.js';
import { Spinner } from '../app/ui.js';
import { useConnectFlow } from './connect-flow.js';
import { canConnect, connectLabel } from './connection-state.js';

/** Connect when idle/failed/lost; Disconnect when connected; Cancel while connecting or reconnecting. */
export function ConnectButton({ host, size }: { host: HostWithState; size?: 'small' }) {
  const flow = useConnectFlow();
  const busy = flow.pending.has(host.id);
  const state = host.connection.state;
  const cls = size === 'small' ? ' small' : '';
  if (canConnect(host.connection)) {
    return (
      <button type="button" className={`button primary${cls}`} onClick={() => flow.connect(host)} disabled={busy} data-testid="connect-button">
        {busy ? <Spinner /> : <Icon name="plug" size={14} />}
        {connectLabel(host.connection)}
      </button>
    );
  }
  const connecting = state === 'connecting' || state === 'reconnecting';
  return (
    <button type="button" className={`button${cls}`} onClick={() => flow.disconnect(host)} disabled={busy && !connecting} data-testid="disconnect-button">
      {busy && !connecting ? <Spinner /> : <Icon name={connecting ? 'x' : 'power'} size={14} />}
      {connecting ? 'Cancel' : 'Disconnect'}
    </button>
  );
}
