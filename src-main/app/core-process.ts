import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { WireServerMessage } from '../../src-common/wire.js';

/**
 * Runs the core (plain Node: SQLite, SSH) as a child process speaking the app API's wire format
 * over stdio. Keeping native modules out of Electron's process means they stay built for Node's
 * ABI (the CLI and tests use the same build), and a core crash cannot take the window down.
 */
export class CoreProcess {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private readonly listeners = new Set<(name: string, payload: unknown) => void>();

  constructor(
    private readonly appRoot: string,
    private readonly dataDir: string,
  ) {}

  start(): void {
    // The system Node in development; a packaged build sets FLEETDECK_NODE to its bundled runtime.
    const node = process.env.FLEETDECK_NODE ?? process.env.npm_node_execpath ?? 'node';
    const child = spawn(node, [path.join(this.appRoot, 'bin/fleetdeck.mjs'), 'serve', '--stdio', '--data-dir', this.dataDir], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined },
    });
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    child.on('exit', (code) => {
      for (const [, p] of this.pending) p.reject({ problem: 'disconnected', message: `Fleetdeck's core stopped (exit ${code}). Restart the app.` });
      this.pending.clear();
      this.child = null;
    });
  }

  private onLine(line: string): void {
    let msg: WireServerMessage;
    try {
      msg = JSON.parse(line) as WireServerMessage;
    } catch {
      return;
    }
    if ('event' in msg) {
      for (const l of this.listeners) l(msg.event, msg.payload);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if ('problem' in msg) p.reject(msg.problem);
    else p.resolve(msg.result);
  }

  call(method: string, params: unknown): Promise<unknown> {
    if (!this.child?.stdin?.writable) return Promise.reject({ problem: 'disconnected', message: "Fleetdeck's core is not running. Restart the app." });
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child!.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  onEvent(listener: (name: string, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.child?.stdin?.end();
    this.child?.kill('SIGTERM');
  }
}
