// Who owns what. Every host gets a run dir `.testbed/run/<ownerPid>-<name>/` with owner.json; its
// container carries the owner in a label and its sshd has the run dir in its command line. A host
// whose owner process is gone (a crashed test run, a killed daemon) is a leftover, and
// cleanupLeftovers() removes it. Several owners at once (the CLI daemon and a vitest run) are
// fine: only dead owners' hosts are touched.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listTestbedContainers, removeContainer } from './docker.js';
import { runRoot } from './paths.js';
import { killAndWait, processAlive, processCmdline, processStartTime } from './proc.js';

export interface OwnerRecord {
  ownerPid: number;
  ownerStart: string;
  name: string;
  kind: 'sshd' | 'debian';
  containerId?: string;
}

/** `<pid>:<starttime>` of this process: stable identity even if the pid is later reused. */
export function ownerTag(): string {
  return `${process.pid}:${processStartTime(process.pid)}`;
}

function ownerTagAlive(tag: string): boolean {
  const [pid, start] = tag.split(':');
  return !!pid && processAlive(Number(pid), start);
}

/** Creates this process's run dir for a host; throws if this process already runs one by that name. */
export function createRunDir(name: string, kind: OwnerRecord['kind']): string {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) throw new Error(`host name ${JSON.stringify(name)}: use [a-z0-9-], ≤ 31 chars`);
  const dir = join(runRoot, `${process.pid}-${name}`);
  if (existsSync(join(dir, 'owner.json'))) throw new Error(`host ${name} already running in this process`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeOwner(dir, { ownerPid: process.pid, ownerStart: processStartTime(process.pid) ?? '', name, kind });
  return dir;
}

export function writeOwner(dir: string, rec: OwnerRecord): void {
  writeFileSync(join(dir, 'owner.json'), JSON.stringify(rec, null, 2));
}

function readOwner(dir: string): OwnerRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as OwnerRecord;
  } catch {
    return undefined;
  }
}

/**
 * sshd processes whose config lives in a run dir, keyed by that run dir. sshd rewrites its
 * command line ("sshd: /usr/sbin/sshd -D -e -f CONFIG [listener] ..."), so match the joined text.
 */
function testbedSshds(): { pid: number; dir: string }[] {
  const found: { pid: number; dir: string }[] = [];
  const escaped = runRoot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^(?:\\S*/)?sshd\\b.* -f (${escaped}/[^/ ]+)/sshd_config`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const m = pattern.exec(processCmdline(Number(entry)).join(' '));
    if (m?.[1]) found.push({ pid: Number(entry), dir: m[1] });
  }
  return found;
}

/**
 * Removes hosts whose owner process is dead: containers (by label), sshd processes (by config
 * path) and run dirs. Hosts of live owners, including this process, are left alone.
 */
export async function cleanupLeftovers(log: (s: string) => void = () => {}): Promise<void> {
  const dirs = existsSync(runRoot) ? readdirSync(runRoot).map((d) => join(runRoot, d)) : [];
  const deadDir = (dir: string) => {
    const rec = readOwner(dir);
    return !rec || !processAlive(rec.ownerPid, rec.ownerStart);
  };

  for (const { pid, dir } of testbedSshds()) {
    if (!existsSync(dir) || deadDir(dir)) {
      log(`killing leftover sshd ${pid} (${dir})`);
      await killAndWait(pid);
    }
  }

  let containers: { id: string; owner: string }[] = [];
  try {
    containers = await listTestbedContainers();
  } catch (e) {
    log(`docker not reachable, skipping container cleanup: ${(e as Error).message}`);
  }
  for (const c of containers) {
    if (!ownerTagAlive(c.owner)) {
      log(`removing leftover container ${c.id}`);
      await removeContainer(c.id);
    }
  }

  for (const dir of dirs) {
    if (deadDir(dir)) rmSync(dir, { recursive: true, force: true });
  }
}
