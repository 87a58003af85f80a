import { describe, expect, it } from 'vitest';
import { ProtocolEndpoint } from '../../../src-common/protocol/endpoint.js';
import { helperApi } from '../../../src-common/protocol/helper-api.js';
import { HELPER_CAPABILITIES } from '../../../src-common/protocol/helper-api.js';
import { PROTOCOL_VERSION } from '../../../src-common/protocol/messages.js';
import { inventorySnapshot } from '../../../remote-scripts/helper/inventory/snapshot.js';
import { probe } from '../../../remote-scripts/helper/probe/probe.js';
import { createContext } from '../../../remote-scripts/helper/context.js';
import { HelperClient, type HelperTransport } from './helper-client.js';

/**
 * A host may be compromised: every reply is checked against its declared schema before the core
 * uses it. These run a "helper" that answers with real frames, but with whatever a hostile host
 * might send, and check that the core refuses it with protocol-error.
 */
async function hostileHelper(answer: (method: string) => unknown): Promise<HelperClient> {
  let toCore: (b: Uint8Array) => void = () => undefined;
  const host = new ProtocolEndpoint((b) => toCore(b), { call: async (method) => answer(method) }, 'h');
  const listeners: ((c: Buffer) => void)[] = [];
  const transport: HelperTransport = {
    write: (b) => queueMicrotask(() => host.receive(b)),
    onData: (l) => listeners.push(l),
    onClose: () => undefined,
    end: () => undefined,
  };
  toCore = (b) => queueMicrotask(() => listeners.forEach((l) => l(Buffer.from(b))));
  const started = HelperClient.start(transport, { label: 'evil-host' });
  host.sendControl({ command: 'init', version: PROTOCOL_VERSION, helperHash: 'x'.repeat(64), capabilities: [...HELPER_CAPABILITIES], pid: 1, uid: 0, user: 'root', node: 'v20' });
  return started;
}

let goodInventory: unknown;
let goodProbe: unknown;
async function real() {
  goodInventory ??= await inventorySnapshot(createContext('/'), { cpuSampleMs: 0 });
  goodProbe ??= await probe(createContext('/'));
  return { inv: structuredClone(goodInventory) as Record<string, unknown>, probe: structuredClone(goodProbe) as Record<string, unknown> };
}

describe('the core checks every helper reply against its declared schema', () => {
  it('accepts this machine\'s real probe and inventory', async () => {
    const { inv, probe: p } = await real();
    const helper = await hostileHelper((m) => (m === helperApi.probe.method ? p : inv));
    expect((await helper.request(helperApi.probe, {})).arch).toBeTruthy();
    expect((await helper.request(helperApi.inventorySnapshot, {})).memory.totalBytes).toBeGreaterThan(0);
  });

  const cases: [string, (inv: Record<string, unknown>) => unknown, RegExp][] = [
    ['a null filesystem row', (inv) => ({ ...inv, filesystems: [null] }), /filesystems\[0\]/],
    ['100,000 users (bloat)', (inv) => ({ ...inv, users: Array.from({ length: 100_000 }, (_, i) => ({ name: `u${i}`, uid: i, gid: i, gecos: '', home: '/', shell: '/bin/sh', groups: [], isAdmin: false })) }), /users/],
    ['a 1 MB hostname', (inv) => ({ ...inv, hostname: 'h'.repeat(1 << 20) }), /hostname/],
    ['negative memory', (inv) => ({ ...inv, memory: { ...(inv.memory as object), totalBytes: -1 } }), /memory\.totalBytes/],
    ['a string where a number goes', (inv) => ({ ...inv, uptimeSeconds: '12' }), /uptimeSeconds/],
    ['a missing section', (inv) => ({ ...inv, cpu: undefined }), /cpu/],
    ['not an object at all', () => 'rm -rf /', /\(top\)/],
    ['10,000 labels on a container', (inv) => ({ ...inv, containers: [{ id: 'a', name: 'a', image: 'i', state: 'running', status: '', labels: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v'])), createdAt: null, startedAt: null, limits: { nanoCpus: null, memoryBytes: null, gpus: [] } }] }), /labels/],
  ];
  for (const [what, mutate, where] of cases) {
    it(`refuses an inventory with ${what} (protocol-error, naming where, not echoing the value)`, async () => {
      const { inv } = await real();
      const helper = await hostileHelper(() => mutate(inv));
      const err = (await helper.request(helperApi.inventorySnapshot, {}).catch((e: unknown) => e)) as { problem: string; message: string };
      expect(err.problem).toBe('protocol-error');
      expect(err.message).toMatch(where);
      expect(err.message).toMatch(/evil-host answered inventory\.snapshot1/);
      expect(err.message.length).toBeLessThan(1000);
    });
  }

  it('refuses a probe whose OS family is not one it knows, and a process reply of the wrong kind', async () => {
    const { probe: p } = await real();
    const helper = await hostileHelper((m) => (m === helperApi.probe.method ? { ...p, os: { ...(p.os as object), family: 'windows' } } : { found: 'yes' }));
    await expect(helper.request(helperApi.probe, {})).rejects.toMatchObject({ problem: 'protocol-error' });
    await expect(helper.request(helperApi.processInspect, { pid: 5 })).rejects.toMatchObject({ problem: 'protocol-error' });
  });

  it('refuses to send params that do not fit the declaration (a core bug, said as invalid-input)', async () => {
    const helper = await hostileHelper(() => ({}));
    await expect(helper.request(helperApi.processInspect, { pid: -1 })).rejects.toMatchObject({ problem: 'invalid-input' });
  });
});
