import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gpuDevicePlan, GPU_RULES } from './limits-gpus.js';

describe('GPU device permissions for host processes', () => {
  const limited = [
    { user: 'carol', spec: { gpus: ['1'] } },
    { user: 'dave', spec: { gpus: ['1', '0'] } },
    { user: 'erin', spec: { gpus: 2 } },
    { user: 'fay', spec: { gpus: ['GPU-0123abcd-0000'] } },
  ];

  it('off by default: nothing', () => {
    expect(gpuDevicePlan(limited, false)).toEqual({ resources: [], checks: [], warnings: [] });
  });

  it("on: a group per GPU given by index, its users as members, the node's group and mode now and at boot; UUIDs said", () => {
    const p = gpuDevicePlan(limited, true);
    expect(p.resources.map((r) => (r.kind === 'file' ? r.path : r.kind === 'command' ? r.id : r.kind))).toEqual(['gpu-group-0', 'gpu-members-0', 'gpu-group-1', 'gpu-members-1', GPU_RULES, 'gpu-device-nodes']);
    expect(p.resources[3]).toMatchObject({ argv: ['gpasswd', '-M', 'carol,dave', 'fleetdeck-gpu1'] });
    expect(p.resources[4]).toMatchObject({ content: expect.stringContaining('KERNEL=="nvidia1", GROUP="fleetdeck-gpu1", MODE="0660"') });
    expect(p.resources[5]).toMatchObject({ rerunWhen: [`file:${GPU_RULES}`] });
    expect(p.checks.map((c) => c.label)).toEqual(['/dev/nvidia0: only dave', '/dev/nvidia1: only carol, dave']);
    expect(p.warnings.join('\n')).toMatch(/GPUs given by UUID are held to their users in containers only.*fay: GPU-0123abcd-0000/);
    for (const r of p.resources) if (r.kind === 'command' && r.argv[0] === '/bin/sh') expect(spawnSync('sh', ['-n', '-c', r.argv[2]!]).status).toBe(0);
  });

  it('turned off: the rule goes, the nodes go back to everyone, the groups go', () => {
    const p = gpuDevicePlan(limited, false, ['0', '1']);
    expect(p.resources.map((r) => (r.kind === 'file' ? `${r.path} ${r.content === null ? 'absent' : ''}` : r.kind === 'command' ? r.id : r.kind))).toEqual([`${GPU_RULES} absent`, 'gpu-device-nodes', 'gpu-group-0', 'gpu-group-1']);
  });
});
