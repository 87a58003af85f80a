import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createElectronDouble, type ElectronDouble } from './electron.test-util.js';
import { createCallHandler } from './host-secrets.js';
import { Keychain } from './keychain.js';

/** A core that records calls and answers from a script. */
function fakeCore(answer: (method: string, params: unknown) => unknown = () => ({})) {
  const calls: Array<{ method: string; params: unknown }> = [];
  return {
    calls,
    async call(method: string, params: unknown): Promise<unknown> {
      calls.push({ method, params: structuredClone(params) });
      const a = answer(method, params);
      if (a instanceof Error) throw a;
      return a;
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

const connected = { state: 'connected' };
const authFailed = { state: 'failed', problem: 'authentication-failed', message: 'Permission denied' };

describe('hosts.connect', () => {
  it('never passes on a `keychain` field from the renderer; the shell sets it', async () => {
    const core = fakeCore(() => connected);
    const handle = createCallHandler(core, keychain);
    await handle('hosts.connect', { id: 1, credentials: { password: 'pw', keychain: { read: ['password', 'sudoPassword'], store: true } } });
    expect(core.calls[0]!.params).toEqual({ id: 1, credentials: { password: 'pw', keychain: { read: [], store: false } } });
  });

  it('refuses `remember` without an OS keychain, before anything reaches the core', async () => {
    double.safeStorage.backend = 'basic_text';
    const core = fakeCore(() => connected);
    const handle = createCallHandler(core, keychain);
    await expect(handle('hosts.connect', { id: 1, credentials: { password: 'pw', remember: true } })).rejects.toEqual({ problem: 'invalid-input', message: expect.stringMatching(/No OS keychain/) });
    expect(core.calls).toEqual([]);
  });

  it('connects without a keychain when nothing is to be remembered', async () => {
    double.safeStorage.encryptionAvailable = false;
    const core = fakeCore(() => connected);
    await expect(createCallHandler(core, keychain)('hosts.connect', { id: 1, credentials: { password: 'pw' } })).resolves.toEqual(connected);
  });

  it('stores the given secrets once the connect worked, and only then', async () => {
    let answer: unknown = authFailed;
    const handle = createCallHandler(
      fakeCore(() => answer),
      keychain,
    );
    await handle('hosts.connect', { id: 1, credentials: { password: 'wrong', remember: true } });
    expect(keychain.get(1)).toEqual({});
    answer = connected;
    await handle('hosts.connect', { id: 1, credentials: { password: 'right', sudoPassword: 'sudo', remember: true } });
    expect(keychain.get(1)).toEqual({ password: 'right', sudoPassword: 'sudo' });
  });

  it('does not store without `remember`, nor anything that is not a secret string', async () => {
    const handle = createCallHandler(
      fakeCore(() => connected),
      keychain,
    );
    await handle('hosts.connect', { id: 1, credentials: { password: 'pw' } });
    await handle('hosts.connect', { id: 2, credentials: { password: 42, passphrase: { x: 1 }, user: 'root', remember: true } });
    expect(keychain.get(1)).toEqual({});
    expect(keychain.get(2)).toEqual({});
    expect(double.safeStorage.encrypted).toEqual([]);
  });

  it('adds remembered secrets the renderer did not give, and says which it read', async () => {
    keychain.set(1, 'password', 'stored-pw');
    keychain.set(1, 'sudoPassword', 'stored-sudo');
    const core = fakeCore(() => connected);
    await createCallHandler(core, keychain)('hosts.connect', { id: 1, credentials: { sudoPassword: 'typed-sudo' } });
    expect(core.calls[0]!.params).toEqual({ id: 1, credentials: { password: 'stored-pw', sudoPassword: 'typed-sudo', keychain: { read: ['password'], store: false } } });
  });

  it('forgets a remembered secret the server refused, but keeps one the user typed over it', async () => {
    keychain.set(1, 'password', 'stale');
    keychain.set(1, 'sudoPassword', 'sudo');
    const handle = createCallHandler(
      fakeCore(() => authFailed),
      keychain,
    );
    await handle('hosts.connect', { id: 1, credentials: { sudoPassword: 'typed' } });
    expect(keychain.get(1)).toEqual({ sudoPassword: 'sudo' });
  });

  it('keeps remembered secrets when the connect failed for another reason', async () => {
    keychain.set(1, 'password', 'good');
    const handle = createCallHandler(
      fakeCore(() => ({ state: 'failed', problem: 'timeout' })),
      keychain,
    );
    await handle('hosts.connect', { id: 1 });
    expect(keychain.get(1)).toEqual({ password: 'good' });
  });

  it('changes nothing when the core call itself fails', async () => {
    keychain.set(1, 'password', 'good');
    const handle = createCallHandler(
      fakeCore(() => new Error('core gone')),
      keychain,
    );
    await expect(handle('hosts.connect', { id: 1, credentials: { password: 'new', remember: true } })).rejects.toThrow('core gone');
    expect(keychain.get(1)).toEqual({ password: 'good' });
  });
});

describe('hosts.update and hosts.remove', () => {
  const host = { address: '10.0.0.5', port: 22, user: 'ops' };

  for (const [what, change] of [
    ['address', { address: '10.0.0.6' }],
    ['port', { port: 2222 }],
    ['user', { user: 'root' }],
  ] as const) {
    it(`forgets the host's secrets when its ${what} changes`, async () => {
      keychain.set(7, 'password', 'pw');
      const core = fakeCore((method) => (method === 'hosts.get' ? host : { ...host, ...change }));
      const result = await createCallHandler(core, keychain)('hosts.update', { id: 7, host: { ...host, ...change } });
      expect(result).toEqual({ ...host, ...change });
      expect(core.calls.map((c) => c.method)).toEqual(['hosts.get', 'hosts.update']);
      expect(keychain.get(7)).toEqual({});
    });
  }

  it('keeps them when only the name or tags change', async () => {
    keychain.set(7, 'password', 'pw');
    const core = fakeCore((method) => (method === 'hosts.get' ? { ...host, name: 'a' } : { ...host, name: 'b' }));
    await createCallHandler(core, keychain)('hosts.update', { id: 7, host: { ...host, name: 'b' } });
    expect(keychain.get(7)).toEqual({ password: 'pw' });
  });

  it('keeps them when the update fails', async () => {
    keychain.set(7, 'password', 'pw');
    const core = fakeCore((method) => (method === 'hosts.get' ? host : new Error('invalid')));
    await expect(createCallHandler(core, keychain)('hosts.update', { id: 7, host: { address: 'x' } })).rejects.toThrow('invalid');
    expect(keychain.get(7)).toEqual({ password: 'pw' });
  });

  it('hosts.remove forgets the host\'s secrets and passes the call on', async () => {
    keychain.set(7, 'password', 'pw');
    keychain.set(8, 'password', 'other');
    const core = fakeCore(() => ({ removed: true }));
    await expect(createCallHandler(core, keychain)('hosts.remove', { id: 7 })).resolves.toEqual({ removed: true });
    expect(core.calls).toEqual([{ method: 'hosts.remove', params: { id: 7 } }]);
    expect(keychain.get(7)).toEqual({});
    expect(keychain.get(8)).toEqual({ password: 'other' });
  });

  it('passes every other method through untouched', async () => {
    const core = fakeCore(() => ['a']);
    await expect(createCallHandler(core, keychain)('hosts.list', {})).resolves.toEqual(['a']);
    expect(core.calls).toEqual([{ method: 'hosts.list', params: {} }]);
  });
});
