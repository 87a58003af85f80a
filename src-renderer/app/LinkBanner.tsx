import { useApi, useLinkStatus } from '../api/api-context.js';
import { Icon } from './icons.js';
import { useNow } from './use-now.js';

/** Shown while the WebSocket link to the core is down; the page keeps its last data meanwhile. */
export function LinkBanner() {
  const status = useLinkStatus();
  const { transport } = useApi();
  const down = status.state === 'down' || (status.state === 'connecting' && status.attempt > 0);
  const now = useNow(1000, down);
  if (!down) return null;
  const seconds = status.retryAt ? Math.max(0, Math.ceil((status.retryAt - now) / 1000)) : 0;
  const when = status.state === 'connecting' ? 'Reconnecting…' : seconds > 0 ? `Retrying in ${seconds}s` : 'Retrying…';
  return (
    <div className="link-banner" role="alert" data-testid="link-banner">
      <Icon name="linkOff" size={16} />
      <div className="link-banner-text">
        {status.everConnected ? (
          <>
            <strong>Lost the link to the Fleetdeck core.</strong> What you see may be out of date.
          </>
        ) : (
          <>
            <strong>Cannot reach the Fleetdeck core at {window.location.host}.</strong> Is <code className="inline-code">fleetdeck serve</code> still running? If
            it was restarted, open the new link it printed.
          </>
        )}
        <span className="link-banner-when">
          {when} (attempt {status.attempt})
        </span>
      </div>
      <button type="button" className="button small" onClick={() => transport.retryNow()} disabled={status.state === 'connecting'} data-testid="link-retry">
        Retry now
      </button>
    </div>
  );
}
