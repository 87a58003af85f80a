import type { UsageReport } from '../../../src-common/reports/report.schema.js';

/**
 * A usage model as a month on a busy cluster would give (written here, not built from stored
 * history, so that it can hold what a fixture of minutes cannot): a thousand CPU-hours next to a
 * few CPU-seconds, long names, system accounts, hosts with no inventory, many hosts. For the
 * rendering tests and for people to look at (report-pages.test.ts).
 */
export const BIG_SINCE = Date.UTC(2026, 9, 22);
export const BIG_UNTIL = Date.UTC(2026, 10, 21);
const GIB = 1024 ** 3;
const H = 3600;

type UserSpec = [user: string, group: string | null, cpuSeconds: number, gpuSeconds: number, memGibSeconds: number, activeSeconds: number, peakGib: number];
const USERS: UserSpec[] = [
  ['alice', 'ml', 1234.5 * H, 610.25 * H, 8200 * H, 700 * H, 61.2],
  ['bob', 'ml', 310.4 * H, 96 * H, 1900 * H, 420 * H, 24],
  ['carol.long-name-for-a-contractor', 'contractors-with-a-long-group-name', 42.7 * H, 0, 88 * H, 120 * H, 3.5],
  ['root', null, 12.2 * H, 0, 6.1 * H, 720 * H, 1.2],
  ['www-data', null, 0.75 * H, 0, 0.12 * H, 718 * H, 0.4],
  ['dave', 'physics', 9.5 * 60, 0, 0.5 * 60, 30 * 60, 0.9],
  ['postgres', null, 45, 0, 12, 3600, 0.3],
  ['erin', 'physics', 0.02, 0, 0.001, 1, 0.01],
];

const figures = (u: UserSpec) => ({
  cpuHours: u[2] / H,
  gpuHours: u[3] / H,
  memoryGibHours: u[4] / H,
  gpuMemoryGibHours: (u[3] / H) * 11.5,
  activeHours: u[5] / H,
  peakMemoryBytes: Math.round(u[6] * GIB),
  peakGpuMemoryBytes: u[3] ? Math.round(38.7 * GIB) : 0,
});

export const BIG_HOSTS = ['gpu-a100-01', 'gpu-a100-02', 'Lab box (old) in room 3.14 under the desk by the window, second shelf', 'cpu-01', 'cpu-02', 'cpu-03', 'cpu-04', 'storage-01', 'login-01', 'spare-01'];

export function bigUsageReport(): UsageReport {
  const hosts = BIG_HOSTS.map((name, i) => ({ id: i + 1, name }));
  const users = USERS.map((u, i) => ({
    user: u[0],
    group: u[1],
    groupMissing: u[1] === null ? (i === 6 ? ('no-inventory' as const) : ('not-in-inventory' as const)) : null,
    hosts: i < 2 ? [BIG_HOSTS[0]!, BIG_HOSTS[1]!] : [BIG_HOSTS[2 + (i % 6)]!],
    ...figures(u),
  }));
  const sum = (rows: typeof users) => {
    const f = figures(['', null, 0, 0, 0, 0, 0]);
    for (const r of rows) {
      f.cpuHours += r.cpuHours;
      f.gpuHours += r.gpuHours;
      f.memoryGibHours += r.memoryGibHours;
      f.gpuMemoryGibHours += r.gpuMemoryGibHours;
      f.activeHours += r.activeHours;
      f.peakMemoryBytes = Math.max(f.peakMemoryBytes, r.peakMemoryBytes);
      f.peakGpuMemoryBytes = Math.max(f.peakGpuMemoryBytes, r.peakGpuMemoryBytes);
    }
    return f;
  };
  const groupKeys = [...new Set(users.map((u) => `${u.group ?? ''}|${u.groupMissing ?? ''}`))];
  const groups = groupKeys.map((k) => {
    const members = users.filter((u) => `${u.group ?? ''}|${u.groupMissing ?? ''}` === k);
    return { group: members[0]!.group, groupMissing: members[0]!.groupMissing, users: members.map((u) => u.user), ...sum(members) };
  });
  const total = sum(users);
  const bucketMs = 6 * 3_600_000;
  const t = Array.from({ length: 121 }, (_, i) => BIG_SINCE + i * bucketMs).filter((x) => x <= BIG_UNTIL);
  const wave = (i: number, k: number, base: number) => Math.max(0, Math.min(100, base + 30 * Math.sin((i + k * 7) / 6)));
  return {
    kind: 'usage',
    meta: { kind: 'usage', title: 'Usage report', since: BIG_SINCE, until: BIG_UNTIL, timeZone: 'Europe/Berlin', hosts, hostSelection: false, generatedAt: BIG_UNTIL, fleetdeckVersion: '0.1.0' },
    resolution: '1h',
    notes: ['Per-user usage is kept 30 days: the part of the period before 2026-10-22 has none.'],
    totals: { users: users.length, monitoredHosts: 9, cpuHours: total.cpuHours, memoryGibHours: total.memoryGibHours, gpuHours: total.gpuHours, gpuMemoryGibHours: total.gpuMemoryGibHours },
    users,
    groups,
    hostUsers: users.flatMap((u) => u.hosts.map((host) => ({ host, user: u.user, group: u.group, groupMissing: u.groupMissing, ...figures(USERS.find((x) => x[0] === u.user)!) }))),
    hosts: hosts.map((h, i) => ({
      hostId: h.id,
      host: h.name,
      monitoredHours: i === 9 ? 0 : 720 - i * 13.5,
      samples: i === 9 ? 0 : 43200 - i * 800,
      cpuAvg: i === 9 ? null : 12.3456 + i * 7,
      cpuMax: i === 9 ? null : 100,
      memAvg: i === 9 ? null : 40.5 + i,
      memMax: i === 9 ? null : 97.25,
      gpuUtilAvg: i < 2 ? 71.9 - i * 30 : null,
      gpuUtilMax: i < 2 ? 100 : null,
      gpuMemAvg: i < 2 ? 55.5 : null,
      gpuMemMax: i < 2 ? 99.9 : null,
      load1Avg: i === 9 ? null : 3.25 + i,
      load1Max: i === 9 ? null : 64.5,
    })),
    timeline: { t, bucketMs, hosts: hosts.map((h, k) => ({ host: h.name, cpu: t.map((_, i) => (k === 9 ? null : wave(i, k, 20 + k * 5))), mem: t.map((_, i) => (k === 9 ? null : wave(i, k, 50))), gpuUtil: t.map((_, i) => (k < 2 ? wave(i, k, 60) : null)) })) },
  };
}
