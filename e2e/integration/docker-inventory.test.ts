import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../src-common/inventory/inventory.schema.js';
import { probeSchema } from '../../src-common/inventory/probe.schema.js';
import { helperApi } from '../../src-common/protocol/helper-api.js';
import type { HelperClient } from '../../src-main/core/agent/helper-client.js';
import { startLocalHelper } from '../../src-main/core/agent/local-helper.js';
import { docker, dockerOk, LABEL } from '../testbed/docker.js';
import { testbedUnavailableReason } from '../testbed/index.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './busybox-image.js';

/**
 * Containers from the real Docker Engine on this machine: a labelled container with CPU and
 * memory limits, read by the helper through the Docker socket (no `docker` CLI involved).
 */
const unavailable = await testbedUnavailableReason({ docker: true });
const IMAGE = BUSYBOX_IMAGE;

describe.skipIf(unavailable)('containers on a real Docker engine', () => {
  let helper: HelperClient;
  let id = '';
  const name = `fd-it-${process.pid}`;

  beforeAll(async () => {
    await ensureBusyboxImage();
    id = (
      await dockerOk([
        'run', '-d', '--network', 'none', '--name', name,
        '--label', `${LABEL}=1`, '--label', 'fleetdeck.owner=alice', '--label', 'purpose=integration test',
        '--memory', '64m', '--cpus', '0.5',
        IMAGE, 'sleep', '300',
      ])
    ).trim();
    helper = await startLocalHelper();
  }, 120_000);

  afterAll(async () => {
    helper?.close();
    if (id) await docker(['rm', '-f', '-v', id]);
  });

  it('lists the container with its labels, limits and times', async () => {
    const inv = inventorySchema.parse(await helper.request(helperApi.inventorySnapshot, {}));
    const c = inv.containers.find((x) => x.name === name);
    expect(c, JSON.stringify(inv.sections.containers)).toBeDefined();
    expect(c!.id.startsWith(id.slice(0, 12))).toBe(true);
    expect(c!).toMatchObject({ image: IMAGE, state: 'running', labels: { 'fleetdeck.owner': 'alice', purpose: 'integration test' } });
    expect(c!.limits).toMatchObject({ memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000, gpus: [] });
    expect(c!.startedAt).toBeGreaterThan(Date.now() - 5 * 60_000);
    expect(c!.createdAt).toBeLessThanOrEqual(c!.startedAt!);
  });

  it('probe reports Docker with its version and cgroup driver', async () => {
    const probe = probeSchema.parse(await helper.request(helperApi.probe, {}));
    const d = probe.containerRuntimes.find((r) => r.name === 'docker');
    expect(d).toMatchObject({ present: true, accessible: true, cgroupDriver: 'cgroupfs' });
    expect(d!.version).toMatch(/^20\./);
  });
});
