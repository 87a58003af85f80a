// Docker access for the testbed. Debian's dockerd (20.10) is started without systemd when it is
// not running (same as scripts/setup-host.sh), so `vitest` works right after a reboot.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './paths.js';
import { run, sleep, type RunResult } from './proc.js';

/** Label on every testbed container; `fleetdeck-testbed.owner` holds `<pid>:<starttime>`. */
export const LABEL = 'fleetdeck-testbed';

let chosen: string | undefined;

/**
 * The docker client to use. A newer client on PATH (e.g. /usr/local/bin/docker v28) normally
 * negotiates down to dockerd 20.10's API; if it cannot, Debian's own /usr/bin/docker is used.
 */
async function dockerBin(): Promise<string | undefined> {
  if (chosen) return chosen;
  for (const c of [process.env.FLEETDECK_DOCKER, 'docker', '/usr/bin/docker']) {
    if (!c) continue;
    try {
      if ((await run(c, ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 })).code === 0) return (chosen = c);
    } catch {
      /* not installed */
    }
  }
  return undefined;
}

export async function docker(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  const bin = await dockerBin();
  if (!bin) throw new Error('docker daemon not reachable (run scripts/setup-host.sh as root)');
  return run(bin, args, { timeoutMs: opts.timeoutMs ?? 60_000, input: opts.input });
}

export async function dockerOk(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 2).join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Makes sure dockerd answers, starting it (as root) like scripts/setup-host.sh does. */
export async function ensureDockerd(log: (s: string) => void = () => {}): Promise<void> {
  if (await dockerBin()) return;
  if (process.getuid?.() !== 0) throw new Error('docker daemon not reachable and not root: run `sudo scripts/setup-host.sh`');
  if (!existsSync('/usr/sbin/dockerd')) throw new Error('dockerd missing: run `sudo scripts/setup-host.sh`');
  // A pid file left by a killed dockerd makes a new one refuse to start.
  try {
    const pid = Number(readFileSync('/var/run/docker.pid', 'utf8'));
    if (pid > 0 && !existsSync(`/proc/${pid}`)) rmSync('/var/run/docker.pid');
  } catch {
    /* no pid file */
  }
  mkdirSync(stateDir, { recursive: true });
  const logPath = join(stateDir, 'dockerd.log');
  log(`starting dockerd (log: ${logPath})`);
  const fd = openSync(logPath, 'a');
  spawn('setsid', ['/usr/sbin/dockerd'], { detached: true, stdio: ['ignore', fd, fd] }).unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await sleep(500);
    if (await dockerBin()) return;
  }
  throw new Error(`dockerd did not answer within 60 s; see ${logPath}`);
}

/** Removes a container and its anonymous volumes; ignores "no such container". */
export async function removeContainer(id: string): Promise<void> {
  const r = await docker(['rm', '-f', '-v', id]);
  if (r.code !== 0 && !/No such container/i.test(r.stderr)) throw new Error(`docker rm ${id}: ${r.stderr.trim()}`);
}

/** Testbed containers with their owner label, for leftover cleanup. */
export async function listTestbedContainers(): Promise<{ id: string; owner: string }[]> {
  const out = await dockerOk(['ps', '-a', '--filter', `label=${LABEL}=1`, '--format', `{{.ID}} {{.Label "${LABEL}.owner"}}`]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id = '', owner = ''] = l.split(' ');
      return { id, owner };
    });
}
