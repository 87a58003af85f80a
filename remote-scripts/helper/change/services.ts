import { FleetdeckError } from '../../../src-common/problems.js';
import type { HelperContext, RunResult } from '../context.js';

/**
 * Service managers, chosen from the probe (systemd or openrc). A unit's state is read the way an
 * admin would (`systemctl is-enabled/is-active`, `rc-update`/`rc-service status`), and every
 * action is the manager's own command.
 */
export type ManagerName = 'systemd' | 'openrc' | 'none';
export type UnitAction = 'enable' | 'disable' | 'start' | 'stop' | 'restart' | 'reload';

export interface UnitState {
  exists: boolean;
  enabled: boolean | null;
  running: boolean | null;
}

export interface ServiceManager {
  name: ManagerName;
  state(ctx: HelperContext, unit: string): Promise<UnitState>;
  act(ctx: HelperContext, unit: string, action: UnitAction): Promise<RunResult>;
  /** After unit files change (systemctl daemon-reload); a no-op for openrc. */
  reloadDefinitions(ctx: HelperContext): Promise<RunResult | null>;
  /** Why a unit failed, for the evidence (journalctl / rc-service status). */
  why(ctx: HelperContext, unit: string): Promise<string>;
}

const T = { timeoutMs: 90_000 };

/**
 * A unit name reaches systemctl, rc-service and /etc/init.d/NAME as one argv element: one that
 * starts with "-" would be read as an option, "." and ".." name directories, not scripts.
 */
function checked(unit: string): string {
  if (!/^[A-Za-z0-9_@][A-Za-z0-9@_.:-]{0,199}$/.test(unit)) throw new FleetdeckError('invalid-input', `"${unit.slice(0, 60)}" is not a service name.`);
  return unit;
}

export const systemd: ServiceManager = {
  name: 'systemd',
  async state(ctx, unit) {
    checked(unit);
    const [enabled, active] = await Promise.all([ctx.run(['systemctl', 'is-enabled', unit], T), ctx.run(['systemctl', 'is-active', unit], T)]);
    const e = enabled.stdout.trim();
    const a = active.stdout.trim();
    // is-enabled prints nothing useful for a unit that does not exist ("Failed to get unit file state").
    const exists = !/not-found|No such file|does not exist/i.test(enabled.stderr + enabled.stdout) && e !== '';
    // "activating" is also a service that keeps crashing and waits to be restarted (SubState
    // auto-restart): that is not running.
    const restarting = a === 'activating' && (await ctx.run(['systemctl', 'show', '-p', 'SubState', '--value', unit], T)).stdout.trim() === 'auto-restart';
    return {
      exists,
      enabled: exists ? ['enabled', 'enabled-runtime', 'alias', 'static', 'indirect', 'generated'].includes(e) : null,
      running: exists ? a === 'active' || a === 'reloading' || (a === 'activating' && !restarting) : null,
    };
  },
  async act(ctx, unit, action) {
    // A unit that failed before its config was written (a package starts its daemon on install
    // with the distribution's defaults) may have hit systemd's start limit: a start or restart is
    // then refused ("start request repeated too quickly") until the failure is forgotten.
    if (action === 'start' || action === 'restart') await ctx.run(['systemctl', 'reset-failed', checked(unit)], T);
    return ctx.run(['systemctl', action, checked(unit)], T);
  },
  reloadDefinitions: (ctx) => ctx.run(['systemctl', 'daemon-reload'], T),
  async why(ctx, unit) {
    const status = await ctx.run(['systemctl', 'status', '--no-pager', '--lines=15', checked(unit)], T);
    return (status.stdout || status.stderr).trim().slice(-4000);
  },
};

export const openrc: ServiceManager = {
  name: 'openrc',
  async state(ctx, unit) {
    const exists = await ctx.exists(`/etc/init.d/${checked(unit)}`);
    if (!exists) return { exists: false, enabled: null, running: null };
    const [levels, status] = await Promise.all([ctx.run(['rc-update', 'show', 'default'], T), ctx.run(['rc-service', unit, 'status'], T)]);
    const enabled = levels.stdout.split('\n').some((l) => l.trim().split('|')[0]?.trim() === unit);
    // rc-service status: exit 0 started, 3 stopped (and "* status: started").
    return { exists, enabled, running: status.code === 0 && /started/.test(status.stdout + status.stderr) };
  },
  async act(ctx, unit, action) {
    checked(unit);
    if (action === 'enable') return ctx.run(['rc-update', 'add', unit, 'default'], T);
    if (action === 'disable') {
      // Not in the runlevel (exit 1, "is not in the runlevel"): disabled already, as wanted.
      const r = await ctx.run(['rc-update', 'del', unit, 'default'], T);
      return r.code !== 0 && /is not in the runlevel/.test(r.stdout + r.stderr) ? { ...r, code: 0 } : r;
    }
    const r = await ctx.run(['rc-service', unit, action], T);
    // Many init scripts have no reload ("unknown function `reload'"): a restart loads the new config.
    if (action === 'reload' && r.code !== 0 && /unknown function/.test(r.stdout + r.stderr)) {
      const restart = await ctx.run(['rc-service', unit, 'restart'], T);
      return { ...restart, stdout: `${unit} has no reload: restarted it instead\n${restart.stdout}` };
    }
    return r;
  },
  reloadDefinitions: async () => null,
  async why(ctx, unit) {
    const status = await ctx.run(['rc-service', checked(unit), 'status'], T);
    return (status.stdout + status.stderr).trim().slice(-4000);
  },
};

/** A host whose init is neither systemd nor openrc: no unit exists, none can be changed, nothing to reload. */
const none: ServiceManager = {
  name: 'none',
  state: async () => ({ exists: false, enabled: null, running: null }),
  act: async () => {
    throw new FleetdeckError('unsupported-os', 'This host runs neither systemd nor openrc as its init: Fleetdeck cannot manage its services.');
  },
  reloadDefinitions: async () => null,
  why: async () => 'this host runs neither systemd nor openrc',
};

export const MANAGERS: Record<ManagerName, ServiceManager> = { systemd, openrc, none };
