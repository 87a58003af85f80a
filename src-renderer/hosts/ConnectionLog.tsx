import { useHostLog } from './use-hosts.js';

function time(at: number): string {
  const d = new Date(at);
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** The numbered connect steps and what the core logged for this host in this session. */
export function ConnectionLog({ id, open }: { id: number; open: boolean }) {
  const lines = useHostLog(id);
  if (lines.length === 0) return null;
  return (
    <details className="panel connection-log" open={open} data-testid="connection-log">
      <summary className="panel-title">Connection log · {lines.length} lines</summary>
      <ol className="log-lines">
        {lines.map((l, i) => (
          <li key={i}>
            <time className="log-time">{time(l.at)}</time>
            <span className="log-text">{l.line}</span>
          </li>
        ))}
      </ol>
    </details>
  );
}
