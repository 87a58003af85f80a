import { useState, type FormEvent } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { DEFAULT_TMUX_SESSION, tmuxSessionSchema, type TerminalMode } from '../../src-common/terminal/terminal.contract.js';

/** Host, and a login shell or a tmux/screen session (attached if it exists, created otherwise). */
export function NewTerminalForm({ hosts, onOpen, onCancel }: { hosts: HostWithState[]; onOpen: (h: HostWithState, mode: TerminalMode, session?: string) => void; onCancel: () => void }) {
  const sorted = [...hosts].sort((a, b) => a.name.localeCompare(b.name));
  const [hostId, setHostId] = useState<number | ''>(sorted.find((h) => h.connection.state === 'connected')?.id ?? sorted[0]?.id ?? '');
  const [mode, setMode] = useState<TerminalMode>('shell');
  const [session, setSession] = useState(DEFAULT_TMUX_SESSION);
  const sessionError = mode !== 'shell' && !tmuxSessionSchema.safeParse(session).success ? 'Letters, digits, "_", "." and "-" only (1 to 64).' : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const host = hosts.find((h) => h.id === hostId);
    if (!host || sessionError) return;
    onOpen(host, mode, mode === 'shell' ? undefined : session);
  };
  if (!hosts.length) {
    return (
      <div className="terminal-new" data-testid="terminal-new-form">
        <span>Add a host first.</span>
        <button type="button" className="button small ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    );
  }
  return (
    <form className="terminal-new" onSubmit={submit} data-testid="terminal-new-form" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <label>
        <span>Host</span>
        <select value={hostId} onChange={(e) => setHostId(Number(e.target.value))} data-testid="terminal-new-host" autoFocus>
          {sorted.map((h) => (
            <option key={h.id} value={h.id}>
              {h.name}
              {h.connection.state === 'connected' ? '' : ' (not connected)'}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Open</span>
        <select value={mode} onChange={(e) => setMode(e.target.value as TerminalMode)} data-testid="terminal-new-mode">
          <option value="shell">A login shell</option>
          <option value="tmux">tmux session (survives the app)</option>
          <option value="screen">screen session (survives the app)</option>
        </select>
      </label>
      {mode !== 'shell' ? (
        <label>
          <span>Session</span>
          <input value={session} onChange={(e) => setSession(e.target.value)} aria-invalid={!!sessionError} title={sessionError ?? 'Attached if it exists, created otherwise'} data-testid="terminal-new-session" />
        </label>
      ) : null}
      <button type="submit" className="button primary small" disabled={!!sessionError || hostId === ''} data-testid="terminal-new-open">
        Open
      </button>
      <button type="button" className="button small ghost" onClick={onCancel}>
        Cancel
      </button>
      {sessionError ? <span className="field-error">{sessionError}</span> : null}
    </form>
  );
}
