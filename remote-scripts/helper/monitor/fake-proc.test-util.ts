/**
 * Fabricated /proc trees for attribution tests, in the kernel's own file formats, to feed the
 * inventory's fakeContext. Each process gets stat, status, loginuid, cmdline and cgroup.
 */

export interface FakeProcess {
  pid: number;
  uid: number;
  argv: string[];
  /** /proc/PID/cgroup text (a shared fixture, or a line made up for the test). */
  cgroup?: string;
  comm?: string;
  loginUid?: number;
  /** utime + stime so far, in ticks (split evenly between them). */
  ticks?: number;
  startTime?: number;
  rssPages?: number;
  kernelThread?: boolean;
}

export const HOST_CGROUP_V2 = '0::/user.slice/user-1000.slice/session-3.scope\n';

export function statLine(p: FakeProcess): string {
  const comm = p.comm ?? (p.argv[0] ?? 'x').split('/').pop()!.slice(0, 15);
  const ticks = p.ticks ?? 0;
  const utime = Math.ceil(ticks / 2);
  const flags = p.kernelThread ? 0x00208040 : 0x00400100;
  // Fields 3..52 as a 6.x kernel prints them; only the ones attribution reads carry test values.
  return `${p.pid} (${comm}) S 1 ${p.pid} ${p.pid} 0 -1 ${flags} 120 0 0 0 ${utime} ${ticks - utime} 0 0 20 0 1 0 ${p.startTime ?? 1000 + p.pid} 8441856 ${p.rssPages ?? 0} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;
}

export function statusText(p: FakeProcess, pageSize = 4096): string {
  const rssKb = ((p.rssPages ?? 0) * pageSize) / 1024;
  return [
    `Name:\t${p.comm ?? 'x'}`, 'Umask:\t0022', 'State:\tS (sleeping)', `Tgid:\t${p.pid}`, 'Ngid:\t0', `Pid:\t${p.pid}`, 'PPid:\t1', 'TracerPid:\t0',
    `Uid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}`, `Gid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}`, 'FDSize:\t64', 'Groups:\t',
    ...(p.kernelThread ? [] : [`VmPeak:\t   ${rssKb + 1000} kB`, `VmSize:\t   ${rssKb + 900} kB`, `VmRSS:\t   ${rssKb} kB`]),
    'Threads:\t1', '',
  ].join('\n');
}

/** The files of a whole process table, keyed by absolute path. */
export function procFiles(processes: readonly FakeProcess[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const p of processes) {
    const dir = `/proc/${p.pid}`;
    files[`${dir}/stat`] = statLine(p);
    files[`${dir}/status`] = statusText(p);
    files[`${dir}/loginuid`] = String(p.loginUid ?? 4294967295);
    files[`${dir}/cmdline`] = p.kernelThread ? '' : `${p.argv.join('\0')}\0`;
    files[`${dir}/cgroup`] = p.kernelThread ? '0::/\n' : (p.cgroup ?? HOST_CGROUP_V2);
  }
  return files;
}

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'alice:x:1000:1000:Alice:/home/alice:/bin/bash',
  'bob:x:1001:1001:Bob:/home/bob:/bin/bash',
  'carol:x:1002:1002:Carol:/home/carol:/bin/bash',
  '',
].join('\n');

/** A Docker Engine answer to GET /containers/json for the given containers. */
export function dockerList(containers: Array<{ id: string; name: string; labels?: Record<string, string> }>): string {
  return JSON.stringify(
    containers.map((c) => ({ Id: c.id, Names: [`/${c.name}`], Image: 'busybox', State: 'running', Status: 'Up 1 minute', Labels: c.labels ?? {}, Created: 1700000000 })),
  );
}
