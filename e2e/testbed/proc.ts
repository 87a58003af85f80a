// Small process and socket helpers shared by the testbed modules.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv (never a shell string) and collects output. Rejects only if it cannot start or times out. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${cmd} ${args.join(' ')}: timed out after ${opts.timeoutMs} ms\n${stderr}`));
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the command may exit without reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run() but throws with the command's stderr when it exits non-zero. */
export async function runOk(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A port the kernel just handed out on 127.0.0.1. Callers retry if someone grabs it first. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves with the server's identification line once something on the port speaks SSH. */
export function readSshBanner(port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(buf.split('\r\n')[0] ?? '');
    };
    const timer = setTimeout(() => done(new Error('no SSH banner in time')), timeoutMs);
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.startsWith('SSH-') && buf.includes('\n')) done();
      else if (buf.length > 4 && !buf.startsWith('SSH-')) done(new Error(`not SSH: ${JSON.stringify(buf.slice(0, 40))}`));
    });
    sock.on('error', (e) => done(e));
    sock.on('close', () => done(new Error('closed before banner')));
  });
}

/** Polls readSshBanner until it succeeds; `alive` lets the caller abort early (e.g. sshd exited). */
export async function waitForSshBanner(port: number, timeoutMs: number, alive: () => string | null = () => null): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const dead = alive();
    if (dead) throw new Error(dead);
    try {
      return await readSshBanner(port, Math.min(2000, Math.max(100, deadline - Date.now())));
    } catch (e) {
      last = e;
      await sleep(50);
    }
  }
  throw new Error(`port ${port}: no SSH banner within ${timeoutMs} ms (${String(last)})`);
}

/** The kernel's start time of a pid (clock ticks since boot), to tell a live owner from a reused pid. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** True if pid runs (zombies count as gone) and, when given, started at `startTime`. */
export function processAlive(pid: number, startTime?: string): boolean {
  const st = processStartTime(pid);
  if (st === null || isZombie(pid)) return false;
  return startTime === undefined || st === startTime;
}

export function processCmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Sends SIGTERM, waits up to `ms`, then SIGKILL. Resolves when the pid is gone. */
export async function killAndWait(pid: number, ms = 3000): Promise<void> {
  const start = processStartTime(pid);
  if (start === null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + ms;
  while (processAlive(pid, start) && Date.now() < deadline) await sleep(20);
  if (processAlive(pid, start)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (processAlive(pid, start)) await sleep(20);
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
