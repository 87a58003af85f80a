import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleSchema, type ProcessSample, type Sample } from '../../src-common/monitor/sample.schema.js';
import type { HelperClient } from '../../src-main/core/agent/helper-client.js';
import { startLocalHelper } from '../../src-main/core/agent/local-helper.js';
import { streamSamples, watchCommand } from '../../src-main/core/cli/watch.js';
import { docker, dockerOk, LABEL } from '../testbed/docker.js';
import { testbedUnavailableReason } from '../testbed/index.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './busybox-image.js';
import { killAndWait } from '../testbed/proc.js';
import { ownerTag } from '../testbed/registry.js';

/**
 * Who uses what, on this machine for real: CPU-burning loops in two Docker containers (one with a
 * fleetdeck.owner label, one without) and on the host, each as another uid, read back through
 * the helper's metrics.stream1 channel. The testbed's users exist here: fdtest (1001), fdpass (1002).
 */
const unavailable = await testbedUnavailableReason({ docker: true });
const IMAGE = BUSYBOX_IMAGE;
const FDTEST = 1001;
const FDPASS = 1002;
const BURN = 'while :; do :; done';

/** A burning container; its owner tag lets the testbed remove it if this process dies. */
async function burner(name: string, uid: number, labels: string[]): Promise<{ id: string; pid: number }> {
  const id = (
    await dockerOk(['run', '-d', '--network', 'none', '--name', name, '--label', `${LABEL}=1`, '--label', `${LABEL}.owner=${ownerTag()}`, ...labels.flatMap((l) => ['--label', l]), '--user', String(uid), IMAGE, 'sh', '-c', BURN])
  ).trim();
  const pid = Number((await dockerOk(['inspect', '-f', '{{.State.Pid}}', id])).trim());
  return { id, pid };
}

async function samples(helper: HelperClient, count: number): Promise<Sample[]> {
  const out: Sample[] = [];
  await streamSamples(helper, { intervalMs: 500, count }, (line) => out.push(sampleSchema.parse(JSON.parse(line))));
  return out;
}

const byPid = (s: Sample, pid: number): ProcessSample | undefined => s.processes.find((p) => p.pid === pid);

describe.skipIf(unavailable)('attribution on a real host', () => {
  const suffix = `${process.pid}`;
  let owned: { id: string; pid: number };
  let unowned: { id: string; pid: number };
  let hostBurner: ChildProcess;
  const names = { owned: `fd-attr-owned-${suffix}`, unowned: `fd-attr-unowned-${suffix}` };

  beforeAll(async () => {
    await ensureBusyboxImage();
    owned = await burner(names.owned, FDTEST, ['fleetdeck.owner=alice', 'fleetdeck.managed=1']);
    unowned = await burner(names.unowned, FDPASS, []);
    // The same as `su fdtest -c …`, without a su process in between: the pid is the loop itself.
    hostBurner = spawn('/bin/sh', ['-c', BURN], { uid: FDTEST, gid: FDTEST, stdio: 'ignore' });
  }, 120_000);

  afterAll(async () => {
    if (hostBurner?.pid) await killAndWait(hostBurner.pid);
    for (const c of [owned, unowned]) if (c?.id) await docker(['rm', '-f', '-v', c.id]);
  });

  it('attributes each busy process to its uid, user, container and owner, and totals them per user', async () => {
    const helper = await startLocalHelper();
    let read: Sample[];
    try {
      read = await samples(helper, 3);
    } finally {
      helper.close();
    }
    expect(read).toHaveLength(3);
    const last = read.at(-1)!;

    const inOwned = byPid(last, owned.pid);
    expect(inOwned, 'the labelled container’s loop is among the heaviest').toBeDefined();
    expect(inOwned!).toMatchObject({
      uid: FDTEST, user: 'fdtest', kind: 'container', managed: true,
      container: { id: owned.id, name: names.owned, runtime: 'docker', owner: 'alice', ownerSource: 'label' },
    });
    expect(inOwned!.command).toBe(`sh -c ${BURN}`);

    expect(byPid(last, unowned.pid)).toMatchObject({
      uid: FDPASS, user: 'fdpass', kind: 'container', managed: false,
      container: { id: unowned.id, name: names.unowned, runtime: 'docker', owner: 'fdpass', ownerSource: 'inferred' },
    });
    expect(byPid(last, hostBurner.pid!)).toMatchObject({ uid: FDTEST, user: 'fdtest', kind: 'host', container: null, managed: false });

    // Three loops share two cores with everything else: each still gets a good share of one.
    for (const pid of [owned.pid, unowned.pid, hostBurner.pid!]) expect(byPid(last, pid)!.cpuPercent).toBeGreaterThan(10);

    // Per-user totals: the labelled container counts for its owner, the others for their uid.
    const user = (name: string) => last.users.find((u) => u.user === name);
    expect(user('alice')).toMatchObject({ uid: null });
    expect(user('alice')!.cpuPercent).toBeGreaterThanOrEqual(byPid(last, owned.pid)!.cpuPercent);
    expect(user('fdpass')).toMatchObject({ uid: FDPASS });
    expect(user('fdpass')!.cpuPercent).toBeGreaterThanOrEqual(byPid(last, unowned.pid)!.cpuPercent);
    expect(user('fdtest')).toMatchObject({ uid: FDTEST });
    expect(user('fdtest')!.cpuPercent).toBeGreaterThanOrEqual(byPid(last, hostBurner.pid!)!.cpuPercent);
    expect(user('root')!.processes).toBeGreaterThan(5);

    expect(last.gpus).toEqual([]);
    expect(last.notes).toContain('no NVIDIA GPU tooling (nvidia-smi not installed): GPU usage is not shown');
  });

  it('attributes GPU processes from a recorded nvidia-smi sample to the right user and container', async () => {
    // dual-gtx1070: Xorg (99 MiB) and gnome-shell (79 MiB) on GPU 0, ethminer on both (2 × 2283 MiB).
    const fixture = path.resolve(import.meta.dirname, '../../test/fixtures/shared/nvidia-smi/xml/dual-gtx1070-drv384-4procs.xml');
    const xml = readFileSync(fixture, 'utf8')
      .replaceAll('<pid>1357</pid>', `<pid>${owned.pid}</pid>`)
      .replaceAll('<pid>2384</pid>', `<pid>${unowned.pid}</pid>`)
      .replaceAll('<pid>3093</pid>', `<pid>${hostBurner.pid}</pid>`);
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-fake-nvidia-'));
    writeFileSync(path.join(dir, 'nvidia-smi.xml'), xml);
    writeFileSync(path.join(dir, 'nvidia-smi'), `#!/bin/sh\nif [ "$*" = "-q -x" ]; then exec cat '${dir}/nvidia-smi.xml'; fi\necho "fake nvidia-smi: only -q -x is recorded" >&2\nexit 2\n`, { mode: 0o755 });
    const savedPath = process.env.PATH;
    let helper: HelperClient;
    process.env.PATH = `${dir}:${savedPath}`;
    try {
      helper = await startLocalHelper();
    } finally {
      process.env.PATH = savedPath;
    }
    let read: Sample[];
    try {
      read = await samples(helper, 2);
    } finally {
      helper.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const last = read.at(-1)!;
    const MiB = 1024 * 1024;
    expect(last.gpus.map((g) => g.name)).toEqual(['GeForce GTX 1070', 'GeForce GTX 1070']);
    expect(byPid(last, owned.pid)).toMatchObject({ gpuMemoryBytes: 99 * MiB, gpus: [0], user: 'fdtest', container: { id: owned.id, owner: 'alice' } });
    expect(byPid(last, unowned.pid)).toMatchObject({ gpuMemoryBytes: 79 * MiB, gpus: [0], user: 'fdpass', container: { id: unowned.id, owner: 'fdpass' } });
    expect(byPid(last, hostBurner.pid!)).toMatchObject({ gpuMemoryBytes: 2 * 2283 * MiB, gpus: [0, 1], user: 'fdtest', kind: 'host' });
    const user = (name: string) => last.users.find((u) => u.user === name)!;
    expect(user('alice')).toMatchObject({ gpuMemoryBytes: 99 * MiB, gpusTouched: [0] });
    expect(user('fdpass')).toMatchObject({ gpuMemoryBytes: 79 * MiB, gpusTouched: [0] });
    expect(user('fdtest')).toMatchObject({ gpuMemoryBytes: 2 * 2283 * MiB, gpusTouched: [0, 1] });
    expect(last.notes).toEqual([]);
  });

  it('fleetdeck watch --json prints one sample per line and stops after --count', async () => {
    const helper = await startLocalHelper();
    const lines: string[] = [];
    let disposed = false;
    await watchCommand({ local: true, json: true, count: '2', interval: '0.5' }, async () => ({ source: helper, dispose: () => ((disposed = true), helper.close()) }), {
      write: (s) => lines.push(s),
      note: () => undefined,
    });
    expect(disposed).toBe(true);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(byPid(sampleSchema.parse(JSON.parse(l)), owned.pid)?.container?.name).toBe(names.owned);
  });
});
