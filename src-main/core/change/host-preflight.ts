import type { Preflight } from '../../../src-common/change/modules.contract.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { toProblem } from '../../../src-common/problems.js';
import { helperApi } from '../../../src-common/protocol/helper-api.js';
import type { ChangeTarget } from './change-target.js';
import type { ChangeModule, HostFacts } from './module.js';

/** What each family is tested on (README, "Changing hosts"): only Debian/Ubuntu runs live here. */
export const FAMILY_SUPPORT: Record<Probe['os']['family'], { state: 'ok' | 'warn' | 'fail'; detail: string }> = {
  debian: { state: 'ok', detail: 'tested live (Debian 12 with systemd)' },
  rhel: { state: 'warn', detail: 'plans tested on RHEL-family probes and dnf run for real in a test host; not tested on a real RHEL host' },
  suse: { state: 'warn', detail: 'plans tested on openSUSE probes and zypper run for real in a test host; not tested on a real openSUSE host' },
  arch: { state: 'warn', detail: 'plans tested on Arch probes and pacman run for real in a test host; not tested on a real Arch host' },
  alpine: { state: 'warn', detail: 'plans tested on Alpine probes and openrc run for real in a test host; apk itself was not run' },
  other: { state: 'warn', detail: 'not a family Fleetdeck knows: nothing was tested there' },
};

/**
 * Preflight per host: what the wizard shows before planning. Distribution, init, package
 * manager, root, disk, the ports the chosen modules open, and why a module cannot go there.
 */
export async function preflightHost(target: ChangeTarget, facts: HostFacts, modules: ChangeModule<never>[], installed: ReadonlySet<string>): Promise<Preflight> {
  const checks: Preflight['checks'] = [];
  const { probe } = facts;
  const os = probe.os.prettyName ?? probe.os.name;
  const family = FAMILY_SUPPORT[probe.os.family];
  checks.push({ id: 'family', label: 'Distribution', state: family.state, detail: `${os}: ${family.detail}` });
  checks.push(
    probe.serviceManager === 'none'
      ? { id: 'init', label: 'Service manager', state: 'fail', detail: 'Neither systemd nor openrc runs as init: Fleetdeck cannot install services here.' }
      : { id: 'init', label: 'Service manager', state: 'ok', detail: probe.serviceManager },
  );
  checks.push(
    probe.packageBackend === 'unknown'
      ? { id: 'packages', label: 'Package manager', state: 'fail', detail: 'No apt, dnf, yum, zypper, pacman or apk found.' }
      : { id: 'packages', label: 'Package manager', state: 'ok', detail: probe.packageBackend },
  );
  // Root: a root login, or a sudo that Fleetdeck may run.
  let rootCheck: Preflight['checks'][number];
  if (facts.uid === 0) rootCheck = { id: 'sudo', label: 'Root', state: 'ok', detail: `logged in as ${facts.user}` };
  else {
    try {
      await target.request(helperApi.ping, {}, 'require', 60_000);
      rootCheck = { id: 'sudo', label: 'Root', state: 'ok', detail: `${facts.user} can use sudo` };
    } catch (err) {
      const p = toProblem(err);
      rootCheck = { id: 'sudo', label: 'Root', state: 'fail', detail: p.problem === 'sudo-required' || p.problem === 'authentication-failed' ? `${p.message} Changes need root: give ${facts.user} sudo, or enter the sudo password when asked.` : p.message };
      // Every module chosen can also run as the login account (the per-user agent): that way needs no root.
      const rootless = modules.length > 0 && modules.every((m) => m.withoutRoot);
      if (rootless) rootCheck = { ...rootCheck, state: 'warn', detail: `${facts.user} has no root here (${p.message}) ${modules.map((m) => m.withoutRoot).join(' ')}` };
    }
  }
  checks.push(rootCheck);
  try {
    const pf = await target.request(helperApi.changePreflight, {}, 'none');
    const low = pf.disk.filter((d) => d.freeBytes !== null && d.freeBytes < 1024 ** 3);
    checks.push(
      low.length
        ? { id: 'disk', label: 'Disk space', state: low.some((d) => (d.freeBytes ?? 0) < 200 * 1024 ** 2) ? 'fail' : 'warn', detail: low.map((d) => `${d.path}: ${((d.freeBytes ?? 0) / 1024 ** 2).toFixed(0)} MiB free`).join(', ') + ' (packages need room)' }
        : { id: 'disk', label: 'Disk space', state: 'ok', detail: pf.disk.filter((d) => d.freeBytes !== null).map((d) => `${d.path}: ${((d.freeBytes ?? 0) / 1024 ** 3).toFixed(1)} GiB free`).join(', ') || 'not measured' },
    );
    const busy: string[] = [];
    for (const m of modules) {
      const id = m.info.id;
      const parsed = m.settings.safeParse(m.info.defaults);
      if (!parsed.success) continue;
      for (const p of m.opens(parsed.data)) {
        if (p.proto === 'tcp' && pf.listening.includes(p.port) && !installed.has(id) && !(m.ownsPort?.(p.port, probe) ?? false)) busy.push(`${p.port} (${m.info.title}: ${p.why})`);
      }
    }
    checks.push(busy.length ? { id: 'ports', label: 'Ports', state: 'warn', detail: `In use already: ${busy.join(', ')}. Fine if it is this service itself; otherwise change the port in the settings.` } : { id: 'ports', label: 'Ports', state: 'ok', detail: modules.length ? 'the ports the chosen modules open are free' : 'no module chosen yet' });
  } catch (err) {
    checks.push({ id: 'disk', label: 'Disk and ports', state: 'warn', detail: `Could not read: ${toProblem(err).message}` });
  }
  checks.push(...reachChecks(facts, modules));
  for (const m of modules) {
    const id = m.info.id;
    const parsed = m.settings.safeParse(m.info.defaults);
    const why = parsed.success ? m.unsupported(facts, parsed.data) : null;
    if (why) checks.push({ id: `module-${id}`, label: m.info.title, state: 'fail', detail: why });
  }
  return {
    hostId: target.hostId ?? 0,
    hostName: target.hostName,
    os,
    checks,
    needsConfirmation: family.state !== 'ok',
    ok: !checks.some((c) => c.state === 'fail'),
  };
}

/**
 * What the host reached of the sources the chosen modules fetch from (tried from the host before
 * this preflight): an unreachable one is a warning — the plan leaves that part out and says so, or
 * (the package mirror) its package steps would fail.
 */
export function reachChecks(facts: HostFacts, modules: ChangeModule<never>[]): Preflight['checks'] {
  const out: Preflight['checks'] = [];
  const seen = new Set<string>();
  for (const m of modules) {
    const parsed = m.settings.safeParse(m.info.defaults);
    if (!parsed.success) continue;
    for (const src of m.sources?.(parsed.data, facts.probe) ?? []) {
      const r = facts.reach?.get(src.id);
      if (!r || seen.has(src.id)) continue;
      seen.add(src.id);
      const label = src.id === 'mirror' ? 'Package mirror' : `Source: ${src.label}`;
      if (src.via === 'package') out.push({ id: `reach-${src.id}`, label, state: 'ok', detail: r.ok === false ? `${r.detail}: the module installs another way, and the plan says how` : r.detail });
      else if (r.ok === false) out.push({ id: `reach-${src.id}`, label, state: 'warn', detail: src.id === 'mirror' ? `Not reachable from the host (${r.detail}): the packages cannot be installed until it is.` : `Not reachable from the host (${r.detail}): the plan leaves out what needs it, and says so.` });
      else out.push({ id: `reach-${src.id}`, label, state: 'ok', detail: r.ok === null ? r.detail : `reached from the host: ${r.detail}` });
    }
  }
  return out;
}
