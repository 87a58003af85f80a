import { Logo } from './icons.js';

/** The web front door needs the access link printed by `fleetdeck serve`; without it nothing can work. */
export function NoTokenScreen() {
  return (
    <main className="center-screen" data-testid="no-token">
      <div className="center-card">
        <Logo size={40} />
        <h1>Open Fleetdeck from its access link</h1>
        <p>
          This page talks to the Fleetdeck core on this computer and needs the access token it printed when it started. Run{' '}
          <code className="inline-code">fleetdeck serve</code> and open the link it shows, which looks like:
        </p>
        <code className="command">http://127.0.0.1:PORT/#token=…</code>
        <p className="muted">The token is kept for this browser tab only.</p>
      </div>
    </main>
  );
}
