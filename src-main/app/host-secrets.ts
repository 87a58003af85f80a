import { SECRET_KINDS, type SecretKind } from './keychain.js';
import { moduleSecretCalls, type ModuleSecretKeychain } from './module-secrets.js';

/**
 * The shell's part of three host methods: the OS keychain lives here, not in the core, so
 * connect gets remembered secrets added (and what worked stored, what the server refused
 * forgotten), and update/remove drop secrets that no longer belong to the host. Module
 * passwords kept on hosts (module-secrets.ts) are copied into the keychain here too.
 * Every other method goes to the core untouched.
 */
export interface CoreCaller {
  call(method: string, params: unknown): Promise<unknown>;
}

export interface SecretStore extends ModuleSecretKeychain {
  readonly available: boolean;
  get(hostId: number): Partial<Record<SecretKind, string>>;
  set(hostId: number, kind: SecretKind, secret: string): void;
  forgetKind(hostId: number, kind: SecretKind): void;
  forget(hostId: number, withModules?: boolean): void;
}

type HostAddress = { address: string; port: number; user: string };

export function createCallHandler(core: CoreCaller, keychain: SecretStore): (method: string, params: unknown) => Promise<unknown> {
  async function connect(params: unknown): Promise<unknown> {
    const p = params as { id: number; credentials?: Record<string, unknown> & { remember?: boolean } };
    // `keychain` is ours to say, never the renderer's.
    const { remember, keychain: _fromRenderer, ...given } = p.credentials ?? {};
    void _fromRenderer;
    if (remember && !keychain.available) {
      throw { problem: 'invalid-input', message: 'No OS keychain is available, so Fleetdeck will not remember secrets; it asks for them when connecting.' };
    }
    const stored = keychain.get(p.id);
    const read = SECRET_KINDS.filter((k) => stored[k] !== undefined && given[k] === undefined);
    const state = (await core.call('hosts.connect', { ...p, credentials: { ...stored, ...given, keychain: { read, store: !!remember } } })) as { state: string; problem?: string };
    // Remember only what just worked; forget a remembered secret the server refused.
    if (state.state === 'connected' && remember) for (const k of SECRET_KINDS) if (typeof given[k] === 'string') keychain.set(p.id, k, given[k] as string);
    if (state.state === 'failed' && state.problem === 'authentication-failed') for (const k of SECRET_KINDS) if (stored[k] && given[k] === undefined) keychain.forgetKind(p.id, k);
    return state;
  }

  async function update(params: unknown): Promise<unknown> {
    // Remembered secrets belong to one server and user; a changed address or user drops them.
    const p = params as { id: number };
    const before = (await core.call('hosts.get', { id: p.id })) as HostAddress;
    const after = (await core.call('hosts.update', params)) as HostAddress;
    if (before.address !== after.address || before.port !== after.port || before.user !== after.user) keychain.forget(p.id);
    return after;
  }

  const moduleSecrets = moduleSecretCalls(core, keychain);
  return async (method, params) => {
    if (method === 'hosts.connect') return connect(params);
    if (moduleSecrets.handles(method)) return moduleSecrets.call(method, params);
    if (method === 'hosts.update') return update(params);
    if (method === 'hosts.remove') keychain.forget((params as { id: number }).id, true);
    return core.call(method, params);
  };
}
