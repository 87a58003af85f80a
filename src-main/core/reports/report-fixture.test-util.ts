import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Host } from '../../../src-common/hosts/host.schema.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import { fakeContext } from '../../../remote-scripts/helper/inventory/fake-context.test-util.js';
import { readFixture } from '../../../remote-scripts/helper/inventory/fixtures.test-util.js';
import { inventorySnapshot } from '../../../remote-scripts/helper/inventory/snapshot.js';
import { probe } from '../../../remote-scripts/helper/probe/probe.js';
import { AuditLog } from '../audit/audit-log.js';
import { openDatabase, type Db } from '../db/database.js';
import { HostStore } from '../hosts/host-store.js';
import { MetricsStore } from '../monitor/metrics-store.js';
import { valueSample } from '../monitor/test-db.js';
import { ReportService } from './report-service.js';

/**
 * Stored data for report tests, written by the real writers: hosts through HostStore, facts
 * from the helper's own probe and inventory code run against fixture files (a Tesla T4 box from
 * a real nvidia-smi capture), samples through MetricsStore, events through AuditLog.
 *
 * Expected figures are easy to compute by hand: on gpu-1 alice runs 200% CPU with 2 GiB and
 * 3 GiB on GPUs 0 and 1 for 120 one-second samples; bob runs 50% with 1 GiB for the first 60.
 * On the hostile-named host, a user with a hostile name runs 100% for 30 samples.
 */
export const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
export const NOW = T0 + 3_600_000;
export const GIB = 1024 ** 3;
export const EVIL_HOST = '<script>alert(1)</script>';
export const QUOTE_HOST = `"&' q`;
export const EVIL_USER = '<img src=x onerror=alert(2)>';
export const FORMULA_USER = '=HYPERLINK("http://evil.example","x")';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'alice:x:1000:2000:Alice:/home/alice:/bin/bash',
  'bob:x:1001:1001:Bob:/home/bob:/bin/bash',
].join('\n');
const GROUP = ['root:x:0:', 'sudo:x:27:alice', 'ml:x:2000:', 'bob:x:1001:'].join('\n');

const CPUINFO = Array.from({ length: 8 }, (_, i) => `processor\t: ${i}\nmodel name\t: AMD EPYC 7302 16-Core Processor\nphysical id\t: 0\ncore id\t\t: ${i % 4}\n`).join('\n');

function hostFiles(hostname: string): Record<string, string> {
  return {
    '/etc/os-release': readFixture('os-release/debian-12'),
    '/proc/sys/kernel/osrelease': '6.1.0-27-amd64\n',
    '/proc/sys/kernel/hostname': `${hostname}\n`,
    '/proc/meminfo': readFixture('proc/meminfo/procfs-fixture-16gb'),
    '/proc/loadavg': readFixture('proc/loadavg/procfs-fixture'),
    '/proc/uptime': '86400.5 1000.0\n',
    '/etc/passwd': PASSWD,
    '/etc/group': GROUP,
    '/usr/bin/apt-get': '',
    '/proc/stat': readFixture('proc/stat/procfs-fixture-8cpu'),
    '/proc/cpuinfo': CPUINFO,
    '/proc/self/mountinfo': '29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n',
    '/sys/block/nvme0n1/size': '1953525168\n',
    '/sys/block/nvme0n1/device/model': 'Samsung SSD 980 PRO 1TB\n',
    '/sys/block/nvme0n1/queue/rotational': '0\n',
    '/sys/block/nvme0n1/removable': '0\n',
  };
}

export async function storeFacts(hosts: HostStore, id: number, hostname: string, gpuXml: string | null): Promise<void> {
  const ctx = fakeContext({
    files: { ...hostFiles(hostname), ...(gpuXml ? { '/usr/bin/nvidia-smi': '' } : {}) },
    commands: { 'uname -m': { stdout: 'x86_64\n' }, ...(gpuXml ? { 'nvidia-smi -q -x': { stdout: gpuXml } } : {}) },
  });
  hosts.saveFacts(id, { probe: await probe(ctx), inventory: await inventorySnapshot(ctx, { cpuSampleMs: 0 }) });
}

function gpuSample(cpu: number, users: Sample['users'], gpuUtil: number): Sample {
  return {
    ...valueSample(0, { cpu, memPercent: 50, load1: 1.5, users }),
    gpus: [0, 1].map((index) => ({
      index,
      uuid: `GPU-${index}`,
      name: 'Tesla T4',
      utilizationPercent: gpuUtil,
      memoryUsedBytes: 4 * GIB,
      memoryTotalBytes: 16 * GIB,
      temperatureC: 50,
      powerW: 30,
      smClockMHz: null,
      memClockMHz: null,
      eccUncorrected: 0,
    })),
  };
}

export interface Fixture {
  db: Db;
  dataDir: string;
  hosts: HostStore;
  audit: AuditLog;
  metrics: MetricsStore;
  service: ReportService;
  gpu: Host;
  evil: Host;
  quote: Host;
  close(): void;
}

/** `dataDir`: write into an existing data dir (one a `fleetdeck serve` has open); `t0`: when the samples start. */
export async function reportFixture(opts: { dataDir?: string; t0?: number; now?: number } = {}): Promise<Fixture> {
  const t0 = opts.t0 ?? T0;
  const now = opts.now ?? (opts.t0 === undefined ? NOW : t0 + 3_600_000);
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'fd-reports-'));
  const db = openDatabase(path.join(dataDir, 'fleetdeck.sqlite'));
  const hosts = new HostStore(db);
  const audit = new AuditLog(db, 'tester');
  const gpu = hosts.add({ name: 'gpu-1', address: '10.0.0.1', user: 'admin', tags: ['lab'] });
  // Names the host schema refuses today, stored as an older Fleetdeck could have: reports must
  // still escape whatever a stored name holds.
  const legacyHost = (name: string, address: string): Host => {
    const added = hosts.add({ name: `legacy-${address}`, address, user: 'admin' });
    db.prepare('UPDATE hosts SET name = ? WHERE id = ?').run(name, added.id);
    return hosts.get(added.id);
  };
  const evil = legacyHost(EVIL_HOST, '10.0.0.2');
  const quote = legacyHost(QUOTE_HOST, '10.0.0.3');
  await storeFacts(hosts, gpu.id, 'gpu-1', readFixture('nvidia-smi/xml/tesla-t4-drv515-2procs.xml'));
  await storeFacts(hosts, evil.id, 'evil', null);

  const metrics = new MetricsStore(db, { now: () => now });
  const items: { hostId: number; sample: Sample }[] = [];
  for (let i = 0; i < 120; i++) {
    const users: Sample['users'] = [{ user: 'alice', uid: 1000, cpuPercent: 200, memoryBytes: 2 * GIB, gpuMemoryBytes: 3 * GIB, gpusTouched: [0, 1], processes: 2 }];
    if (i < 60) users.push({ user: 'bob', uid: 1001, cpuPercent: 50, memoryBytes: 1 * GIB, gpuMemoryBytes: 0, gpusTouched: [], processes: 1 });
    // CPU alternates 20 / 60 % (average 40, max 60); GPUs at 80 % utilisation.
    items.push({ hostId: gpu.id, sample: { ...gpuSample(i % 2 ? 60 : 20, users, 80), t: t0 + i * 1000 } });
  }
  for (let i = 0; i < 30; i++) {
    const users: Sample['users'] = [
      { user: EVIL_USER, uid: 1000, cpuPercent: 100, memoryBytes: 0.5 * GIB, gpuMemoryBytes: 0, gpusTouched: [], processes: 1 },
      { user: FORMULA_USER, uid: 1002, cpuPercent: 10, memoryBytes: 0, gpuMemoryBytes: 0, gpusTouched: [], processes: 1 },
    ];
    items.push({ hostId: evil.id, sample: { ...valueSample(t0 + i * 1000, { cpu: 30, memPercent: 25, users }) } });
  }
  metrics.ingestMany(items);
  const service = new ReportService({ db, hosts, audit, now: () => now });
  return {
    db,
    dataDir,
    hosts,
    audit,
    metrics,
    service,
    gpu,
    evil,
    quote,
    close: () => {
      metrics.dispose();
      db.close();
    },
  };
}
