import type { ModuleInfo } from '../../src-common/change/modules.contract.js';
import type { CoreCaller } from './host-secrets.js';

/**
 * The shell's part of the passwords modules keep on a host (ModuleInfo.secrets: the backup
 * repository's, Portainer's admin password, the published Prometheus's login). The host's
 * root-only file is the truth; the OS keychain keeps a copy so it outlives the host:
 *
 *  - change.secret reads the host and keeps what it read; when the host cannot be reached, the
 *    copy answers (source 'keychain');
 *  - change.installed (what the Services tab and the wizard read after an apply) copies each
 *    installed module's secrets not yet kept, once per apply;
 *  - change.plan and change.startTasks fill a secret setting left empty with the kept copy, so a
 *    rebuilt host gets the password its old backups were made with.
 *
 * The core never sees the keychain; the renderer sees a value only where it asked change.secret.
 */
export interface ModuleSecretKeychain {
  readonly available: boolean;
  getModule(hostId: number, name: string): string | undefined;
  setModule(hostId: number, name: string, secret: string): void;
}

type Info = ModuleInfo;
type Read = { module: string; key: string; label: string; user: string | null; path: string; value: string | null; source: 'host' | 'keychain'; kept: boolean };
type ModuleRequest = { id: string; settings?: Record<string, unknown> };

const name = (module: string, key: string) => `${module}.${key}`;

export function moduleSecretCalls(core: CoreCaller, keychain: ModuleSecretKeychain) {
  let infos: Promise<Info[]> | null = null;
  const modules = () => (infos ??= (core.call('change.modules', {}) as Promise<Info[]>).catch((e) => ((infos = null), Promise.reject(e))));
  /** What was copied already: host, module and the apply it came from. */
  const copied = new Set<string>();

  function keep(hostId: number, r: Read): Read {
    if (r.value === null || !keychain.available) return r;
    keychain.setModule(hostId, name(r.module, r.key), r.value);
    return { ...r, kept: true };
  }

  async function secret(params: unknown): Promise<Read> {
    const p = params as { id: number; module: string; key: string };
    try {
      return keep(p.id, (await core.call('change.secret', params)) as Read);
    } catch (err) {
      const copy = keychain.available ? keychain.getModule(p.id, name(p.module, p.key)) : undefined;
      const s = (await modules().catch(() => [])).find((m) => m.id === p.module)?.secrets?.find((x) => x.key === p.key);
      if (copy === undefined || !s) throw err;
      return { module: p.module, key: s.key, label: s.label, user: s.user ?? null, path: s.path, value: copy, source: 'keychain', kept: true };
    }
  }

  async function installed(params: unknown): Promise<unknown> {
    const p = params as { id: number };
    const list = (await core.call('change.installed', params)) as { module: string; appliedAt: number }[];
    if (!keychain.available) return list;
    const known = await modules().catch(() => [] as Info[]);
    for (const i of list) {
      const secrets = known.find((m) => m.id === i.module)?.secrets ?? [];
      for (const s of secrets) {
        const tag = `${p.id}:${i.module}:${s.key}:${i.appliedAt}`;
        if (copied.has(tag)) continue;
        copied.add(tag);
        // Best effort: a host that does not answer now is copied from on a later visit.
        await core.call('change.secret', { id: p.id, module: i.module, key: s.key }).then(
          (r) => keep(p.id, r as Read),
          () => copied.delete(tag),
        );
      }
    }
    return list;
  }

  /** Secret settings left empty get the kept copy (the password the host's data was made with). */
  async function filled(hostId: number, requests: ModuleRequest[]): Promise<ModuleRequest[]> {
    if (!keychain.available) return requests;
    const known = await modules().catch(() => [] as Info[]);
    return requests.map((r) => {
      const settings = { ...(r.settings ?? {}) };
      for (const s of known.find((m) => m.id === r.id)?.secrets ?? []) {
        if (settings[s.key] || !secretField(known, r.id, s.key)) continue;
        const copy = keychain.getModule(hostId, name(r.id, s.key));
        if (copy !== undefined) settings[s.key] = copy;
      }
      return { ...r, settings };
    });
  }

  return {
    handles: (method: string) => ['change.secret', 'change.installed', 'change.plan', 'change.startTasks'].includes(method),
    async call(method: string, params: unknown): Promise<unknown> {
      if (method === 'change.secret') return secret(params);
      if (method === 'change.installed') return installed(params);
      if (method === 'change.plan') {
        const p = params as { id: number; modules: ModuleRequest[] };
        return core.call(method, { ...p, modules: await filled(p.id, p.modules ?? []) });
      }
      const p = params as { items: { id: number; modules: ModuleRequest[] }[] };
      return core.call(method, { ...p, items: await Promise.all((p.items ?? []).map(async (i) => ({ ...i, modules: await filled(i.id, i.modules ?? []) }))) });
    },
  };
}

/** Only a module's own secret field takes a copy (a secret with no field, Grafana's, is never given). */
function secretField(known: Info[], module: string, key: string): boolean {
  return !!known.find((x) => x.id === module)?.fields.some((f) => f.key === key && f.kind === 'secret');
}
