import { FleetdeckError } from '../../../src-common/problems.js';
import type { z } from 'zod';
import type { changeContract, ModuleInfo, ModuleSecret } from '../../../src-common/change/modules.contract.js';
import { helperApi } from '../../../src-common/protocol/helper-api.js';
import type { AuditEntry } from '../audit/audit-log.js';
import type { ChangeTarget } from './change-target.js';

/**
 * The passwords modules keep on the host (backup's repository password, Portainer's admin
 * password, the published Prometheus's login): read back from their root-only files on request,
 * through the root helper. The value goes to whoever asked (the admin's UI or CLI, the desktop
 * shell's keychain) and never into the audit log, a journal or SQLite.
 */
/** As change.secret answers it; value null: the host has no such file (not installed, or not made yet). */
export type SecretRead = z.infer<typeof changeContract.secret.result>;

export function moduleSecret(info: ModuleInfo, key: string): ModuleSecret {
  const s = info.secrets?.find((x) => x.key === key);
  if (!s) {
    const known = (info.secrets ?? []).map((x) => x.key);
    throw new FleetdeckError('invalid-input', known.length ? `${info.title} keeps no secret named "${key.slice(0, 40)}"; it keeps: ${known.join(', ')}.` : `${info.title} keeps no password on the host.`);
  }
  return s;
}

/** Reads one module secret from the host (root), audited as read (not its value). */
export async function readModuleSecret(target: ChangeTarget, info: ModuleInfo, key: string, audit: (e: AuditEntry) => void, why = 'shown to the admin'): Promise<SecretRead> {
  const s = moduleSecret(info, key);
  const probe = await target.probe();
  const backend = probe.packageBackend === 'unknown' ? 'none' : probe.packageBackend;
  const r = await target.request(helperApi.changeRead, { backend, manager: probe.serviceManager, resources: [{ kind: 'file', path: s.path, content: null, secret: true }] }, 'require');
  const o = r.observed[0];
  const value = o?.kind === 'file' && o.exists && o.text !== null ? o.text.replace(/\r?\n$/, '') : null;
  if (value !== null) {
    audit({ hostId: target.hostId ?? undefined, hostName: target.hostName, operation: 'secrets.read', summary: `read the ${info.id} module’s secret “${s.label}” from ${s.path} on ${target.hostName} (${why})`, result: 'ok' });
  }
  return { module: info.id, key: s.key, label: s.label, user: s.user ?? null, path: s.path, value, source: 'host', kept: false };
}
