import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fleet } from './fleet.js';

/** The API surface every front door uses: validation, problems, import, audit. */
let fleet: Fleet;
afterEach(() => fleet?.close());
const make = () => (fleet = new Fleet({ dataDir: ':memory:', knownHostsFiles: [], actor: 'tester' }));

describe('Fleet API', () => {
  it('refuses unknown methods and invalid params with problems, not exceptions', async () => {
    make();
    await expect(fleet.call('hosts.nope', {})).rejects.toMatchObject({ problem: 'not-found' });
    await expect(fleet.call('hosts.get', { id: 'x' })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(fleet.call('hosts.add', { name: '', address: 'a b', port: 0, user: '' })).rejects.toMatchObject({
      problem: 'invalid-input',
      message: expect.stringMatching(/name: .*address: .*port: .*user: /s),
    });
  });

  it('adds hosts, lists them with their connection state, and audits changes', async () => {
    make();
    const host = (await fleet.call('hosts.add', { name: 'gpu-1', address: '10.0.0.5', user: 'admin', tags: ['lab'] })) as { id: number };
    expect(await fleet.call('hosts.list', {})).toMatchObject([{ name: 'gpu-1', port: 22, auth: 'agent', connection: { state: 'idle' } }]);
    await fleet.call('hosts.remove', { id: host.id });
    expect(fleet.audit.list().map((e) => e.operation)).toEqual(['hosts.remove', 'hosts.add']);
    expect(JSON.stringify(fleet.audit.list())).not.toMatch(/password/i);
  });

  it('never remembers secrets outside the desktop keychain', async () => {
    make();
    const host = (await fleet.call('hosts.add', { name: 'p', address: '127.0.0.1', port: 1, user: 'u', auth: 'password' })) as { id: number };
    await expect(fleet.call('hosts.connect', { id: host.id, credentials: { password: 'x', remember: true } })).rejects.toMatchObject({
      problem: 'invalid-input',
      message: expect.stringMatching(/OS keychain/),
    });
  });

  it('trusting a key needs a key offered first', async () => {
    make();
    const host = (await fleet.call('hosts.add', { name: 'k', address: '127.0.0.1', user: 'u' })) as { id: number };
    await expect(fleet.call('hosts.trustHostKey', { id: host.id, fingerprint: 'SHA256:abc' })).rejects.toMatchObject({ problem: 'not-found' });
  });

  it('lists ~/.ssh/config entries as import candidates, with problems explained', async () => {
    make();
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-sshcfg-'));
    const file = path.join(dir, 'config');
    writeFileSync(file, 'Host bastion\n  HostName bastion.example.org\n  User me\n\nHost gpu-*\n  User admin\n\nHost gpu-1\n  HostName 10.0.0.5\n  ProxyJump bastion\n\nHost nouser\n  HostName 10.0.0.9\n');
    const candidates = (await fleet.call('hosts.sshConfigCandidates', { path: file })) as { alias: string; input: Record<string, unknown>; problem: string | null }[];
    const gpu = candidates.find((c) => c.alias === 'gpu-1')!;
    expect(gpu.input).toMatchObject({ address: '10.0.0.5', user: 'admin', jump: [{ address: 'bastion.example.org', user: 'me' }] });
    expect(gpu.problem).toBeNull();
    expect(candidates.find((c) => c.alias === 'nouser')!.problem).toMatch(/User/);
    await expect(fleet.call('hosts.sshConfigCandidates', { path: path.join(dir, 'missing') })).rejects.toMatchObject({ problem: 'not-found' });
  });
});
