import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createElectronDouble, type ElectronDouble } from './electron.test-util.js';
import { createCallHandler } from './host-secrets.js';
import { Keychain } from './keychain.js';

/**
 * Module passwords kept on a host, copied into the OS keychain by the shell: read from the host
 * and kept, answered from the keychain when the host is away, copied after an apply, given back
 * to a plan that leaves the field empty (a rebuilt host), and kept apart from connect secrets.
 */
const INFOS = [
  { id: 'backup', title: 'Backups (restic)', fields: [{ key: 'password', kind: 'secret' }], secrets: [{ key: 'password', label: 'Repository password', path: '/etc/fleetdeck/backup/password' }] },
  { id: 'monitoring', title: 'Monitoring', fields: [{ key: 'webPassword', kind: 'secret' }], secrets: [{ key: 'webPassword', label: 'Web password', user: 'admin', path: '/etc/fleetdeck/monitoring/web-password' }, { key: 'grafanaPassword', label: 'Grafana admin password', user: 'admin', path: '/etc/fleetdeck/monitoring/grafana-admin-password' }] },
];

function hostCore(values: Record<string, string | null>, opts: { down?: boolean } = {}) {
  const calls: { method: string; params: unknown }[] = [];
  return {
    calls,
    down: opts.down ?? false,
    async call(method: string, params: unknown): Promise<unknown> {
      calls.push({ method, params: structuredClone(params) });
      if (method === 'change.modules') return INFOS;
      if (method === 'change.secret') {
        if (this.down) throw { problem: 'disconnected', message: 'gpu-1 is not connected.' };
        const p = params as { module: string; key: string };
        const s = INFOS.find((m) => m.id === p.module)!.secrets.find((x) => x.key === p.key)!;
        return { module: p.module, key: p.key, label: s.label, user: (s as { user?: string }).user ?? null, path: s.path, value: values[`${p.module}.${p.key}`] ?? null, source: 'host', kept: false };
      }
      if (method === 'change.installed') return [{ module: 'backup', settings: {}, appliedAt: 1000, journalId: 'j1', lastVerify: null }];
      return { ok: true };
    },
  };
}

let double: ElectronDouble;
let keychain: Keychain;
beforeEach(() => {
  double = createElectronDouble();
  keychain = new Keychain(path.join(double.app.paths.userData!, 'secrets.json'), double.safeStorage);
});
afterEach(() => double.dispose());

describe('module secrets in the OS keychain', () => {
  it('reads the host, keeps a copy, and answers from the copy when the host cannot be reached', async () => {
    const core = hostCore({ 'backup.password': 'r3po-pass-word' });
    const handle = createCallHandler(core, keychain);
    await expect(handle('change.secret', { id: 1, module: 'backup', key: 'password' })).resolves.toMatchObject({ value: 'r3po-pass-word', source: 'host', kept: true });
    expect(keychain.getModule(1, 'backup.password')).toBe('r3po-pass-word');
    core.down = true;
    await expect(handle('change.secret', { id: 1, module: 'backup', key: 'password' })).resolves.toMatchObject({ value: 'r3po-pass-word', source: 'keychain', kept: true, label: 'Repository password' });
    // Nothing kept for it: the host's own error.
    await expect(handle('change.secret', { id: 1, module: 'monitoring', key: 'webPassword' })).rejects.toMatchObject({ problem: 'disconnected' });
  });

  it('without an OS keychain: read from the host, nothing kept, and said', async () => {
    double.safeStorage.backend = 'basic_text';
    const handle = createCallHandler(hostCore({ 'backup.password': 'r3po-pass-word' }), keychain);
    await expect(handle('change.secret', { id: 1, module: 'backup', key: 'password' })).resolves.toMatchObject({ value: 'r3po-pass-word', kept: false });
    expect(keychain.getModule(1, 'backup.password')).toBeUndefined();
  });

  it('copies an installed module’s secrets once per apply, and fills an empty secret field of a plan with the copy', async () => {
    const core = hostCore({ 'backup.password': 'r3po-pass-word' });
    const handle = createCallHandler(core, keychain);
    await handle('change.installed', { id: 1 });
    await handle('change.installed', { id: 1 });
    expect(core.calls.filter((c) => c.method === 'change.secret')).toHaveLength(1);
    expect(keychain.getModule(1, 'backup.password')).toBe('r3po-pass-word');

    await handle('change.plan', { id: 1, modules: [{ id: 'backup', settings: { repository: 'local' } }, { id: 'monitoring', settings: {} }] });
    expect(core.calls.at(-1)!.params).toEqual({ id: 1, modules: [{ id: 'backup', settings: { repository: 'local', password: 'r3po-pass-word' } }, { id: 'monitoring', settings: {} }] });
    // A password the admin typed wins; another host gets nothing of this one's.
    await handle('change.startTasks', { items: [{ id: 1, modules: [{ id: 'backup', settings: { password: 'typed-by-admin' } }] }, { id: 2, modules: [{ id: 'backup' }] }] });
    expect(core.calls.at(-1)!.params).toEqual({ items: [{ id: 1, modules: [{ id: 'backup', settings: { password: 'typed-by-admin' } }] }, { id: 2, modules: [{ id: 'backup', settings: {} }] }] });
  });

  it('is never handed to a connect, outlives a new address, and goes with the host', async () => {
    const core = hostCore({ 'backup.password': 'r3po-pass-word' });
    let connect: unknown;
    const handle = createCallHandler(
      {
        call: async (m: string, p: unknown) => (m === 'hosts.connect' ? ((connect = p), { state: 'connected' }) : m === 'hosts.get' ? { address: 'a', port: 22, user: 'u' } : m === 'hosts.update' ? { address: 'b', port: 22, user: 'u' } : core.call(m, p)),
      },
      keychain,
    );
    await handle('change.secret', { id: 1, module: 'backup', key: 'password' });
    await handle('hosts.connect', { id: 1, credentials: {} });
    expect(connect).toEqual({ id: 1, credentials: { keychain: { read: [], store: false } } });
    expect(keychain.get(1)).toEqual({});
    await handle('hosts.update', { id: 1, address: 'b' });
    expect(keychain.getModule(1, 'backup.password')).toBe('r3po-pass-word');
    await handle('hosts.remove', { id: 1 });
    expect(keychain.getModule(1, 'backup.password')).toBeUndefined();
  });
});
