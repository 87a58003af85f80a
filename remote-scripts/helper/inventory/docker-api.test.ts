import { describe, expect, it } from 'vitest';
import { containerSchema } from '../../../src-common/inventory/inventory.schema.js';
import { MAX } from '../../../src-common/protocol/bounds.js';
import { containerFromInspect, containersFromList, limitsFromInspect, parseDockerStats, withInspect } from './docker-api.js';
import { readFixture, readJsonFixture } from './fixtures.test-util.js';

describe('containersFromList (GET /containers/json, compose project)', () => {
  const list = containersFromList(readJsonFixture('docker/containers-list/compose-node-exporter-etc.json'));

  it('reads every container with names stripped of the leading slash', () => {
    expect(list.map((c) => [c.name, c.image, c.state, c.status])).toEqual([
      ['dockersd_node_1', 'prom/node-exporter:v1.1.2', 'running', 'Up 40 seconds'],
      ['dockersd_noport_1', 'prom/node-exporter:v1.1.2', 'running', 'Up 40 seconds'],
      ['dockersd_host_networking_1', 'httpd', 'running', 'Up 3 minutes'],
      ['dockersd_mysql', 'mysql:5.7.29', 'running', 'Up 40 seconds'],
      ['dockersd_mysql_exporter', 'prom/mysqld-exporter:latest', 'running', 'Up 40 seconds'],
      ['dockersd_multi_networks', 'mysql:5.7.29', 'running', 'Up 40 seconds'],
    ]);
    for (const c of list) expect(() => containerSchema.parse(c)).not.toThrow();
  });

  it('keeps labels and converts Created (seconds) to epoch ms', () => {
    expect(list[0]!.labels).toMatchObject({ 'com.docker.compose.project': 'dockersd', 'com.docker.compose.service': 'node', 'prometheus-job': 'node' });
    expect(list[0]!.createdAt).toBe(1616273136 * 1000);
    expect(list[0]!.limits).toEqual({ nanoCpus: null, memoryBytes: null, gpus: [] });
  });

  it('does not collapse entries that share an Id (the published sample repeats one)', () => {
    expect(list[0]!.id).toBe(list[1]!.id);
    expect(new Set(list.map((c) => c.name)).size).toBe(6);
  });

  it('returns nothing for a non-array answer', () => {
    expect(containersFromList({ message: 'page not found' })).toEqual([]);
  });
});

describe('inspect (GET /containers/{id}/json, or docker inspect array form)', () => {
  it('runc container: NanoCpus 16, 48 GiB-ish memory, GPUs from /dev/nvidiaN mappings in container order', () => {
    const json = readJsonFixture('docker/inspect/runc-nanocpus16-mem48g-devices.json');
    expect(limitsFromInspect(json)).toEqual({ nanoCpus: 16_000_000_000, memoryBytes: 50_331_648_000, gpus: ['3', '2', '1', '0'] });
    const c = containerFromInspect(json);
    expect(c).toMatchObject({ image: 'sotetsuk/mj3:v0.0.9', state: 'running', startedAt: Date.parse('2019-03-27T10:40:54.8350858Z') });
    expect(c.name).toMatch(/^sokoya-train-exp/);
    expect(c.labels.GPU_ID).toBe('3,2,1,0');
    expect(() => containerSchema.parse(c)).not.toThrow();
  });

  it('nvidia runtime container under Kubernetes: no limits in HostConfig, GPU from NVIDIA_VISIBLE_DEVICES', () => {
    const json = readJsonFixture('docker/inspect/nvidia-runtime-kubepod-dlts.json');
    expect(limitsFromInspect(json)).toEqual({ nanoCpus: null, memoryBytes: null, gpus: ['GPU-7c583998-b3ff-a885-8979-2d32d334cde4'] });
    const c = containerFromInspect(json);
    expect(c.labels['io.kubernetes.pod.namespace']).toBe('default');
    expect(c.createdAt).toBe(Date.parse('2019-04-18T06:31:21.961595409Z'));
  });

  it('reads --gpus device requests and --cpu-quota', () => {
    const inspect = {
      HostConfig: {
        NanoCpus: 0, CpuQuota: 150000, CpuPeriod: 100000, Memory: 0,
        DeviceRequests: [{ Driver: '', Count: 0, DeviceIDs: ['0', '2'], Capabilities: [['gpu']] }, { Driver: 'nvidia', Count: -1, DeviceIDs: null, Capabilities: [['gpu']] }],
      },
      Config: { Env: ['NVIDIA_VISIBLE_DEVICES=all'] },
    };
    expect(limitsFromInspect(inspect)).toEqual({ nanoCpus: 1_500_000_000, memoryBytes: null, gpus: ['0', '2', 'all'] });
  });

  it('merges inspect into a list entry', () => {
    const [first] = containersFromList(readJsonFixture('docker/containers-list/compose-node-exporter-etc.json'));
    const merged = withInspect(first!, readJsonFixture('docker/inspect/runc-nanocpus16-mem48g-devices.json'));
    expect(merged.name).toBe('dockersd_node_1');
    expect(merged.limits.nanoCpus).toBe(16_000_000_000);
    expect(merged.startedAt).not.toBeNull();
  });
});

describe('parseDockerStats (one-shot)', () => {
  it('cgroup v1: subtracts total_inactive_file, no CPU % without a previous sample', () => {
    expect(parseDockerStats(readJsonFixture('docker/stats/cgroupv1-oneshot-8cpu-percpu.json'))).toEqual({
      cpuPercent: null, onlineCpus: 8,
      memoryUsageBytes: 2887680 - 2162688, memoryLimitBytes: 10449559552,
      pids: 1, pidsLimit: null, netRxBytes: 1532, netTxBytes: 0, blockReadBytes: 2502656, blockWriteBytes: 0,
    });
  });

  it('survives the float-rounded 2^63 hierarchical limit as published', () => {
    const raw = readFixture('docker/stats/cgroupv1-oneshot-8cpu-percpu.json');
    expect(raw).toContain('9223372036854772000');
    expect((JSON.parse(raw) as { memory_stats: { stats: { hierarchical_memory_limit: number } } }).memory_stats.stats.hierarchical_memory_limit).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
  });

  it('cgroup v2: lowercase blkio ops, 256 MiB limit, pids limit', () => {
    expect(parseDockerStats(readJsonFixture('docker/stats/cgroupv2-oneshot-mem-limit-256m.json'))).toEqual({
      cpuPercent: null, onlineCpus: 2,
      memoryUsageBytes: 234647552, memoryLimitBytes: 268435456,
      pids: 1, pidsLimit: 4694, netRxBytes: 1296, netTxBytes: 0, blockReadBytes: 167936, blockWriteBytes: 0,
    });
  });

  it('computes CPU % like docker stats when a previous sample exists', () => {
    const stats = { cpu_stats: { cpu_usage: { total_usage: 300 }, system_cpu_usage: 2000, online_cpus: 4 }, precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 } };
    expect(parseDockerStats(stats).cpuPercent).toBe(80);
    expect(parseDockerStats({ memory_stats: { usage: 10, limit: 2 ** 63 } }).memoryLimitBytes).toBeNull();
  });
});

describe('Docker API JSON from a hostile engine', () => {
  it('reads 200,000 GPU ids without overflowing the stack (they were spread into push)', () => {
    const ids = Array.from({ length: 200_000 }, (_, i) => String(i));
    const inspect = { HostConfig: { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: ids }] }, Config: { Env: [`NVIDIA_VISIBLE_DEVICES=${ids.join(',')}`] } };
    expect(limitsFromInspect(inspect).gpus).toHaveLength(200_000);
  });

  it(`keeps at most ${MAX.containers} containers, the most the core accepts`, () => {
    expect(containersFromList(Array.from({ length: MAX.containers + 5 }, (_, i) => ({ Id: String(i) })))).toHaveLength(MAX.containers);
  });
});
