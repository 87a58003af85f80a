import type { Check } from '../../../src-common/change/plan.schema.js';
import { resourceId, type Resource } from '../../../src-common/change/resource.schema.js';
import type { LimitSpec } from '../../../src-common/modules/limits.js';

/**
 * GPUs for host processes, where the admin chooses so (the policy's gpuDevices): each GPU that is
 * allocated by index gets a group fleetdeck-gpuN of the users it is allocated to, and its device
 * node /dev/nvidiaN that group and mode 0660, now (chgrp, chmod) and at every boot (a udev rule).
 * /dev/nvidiactl and /dev/nvidia-uvm stay open to all: every CUDA program needs them, and a GPU
 * cannot be used without its own node. New group membership takes effect at the user's next login.
 * A rollback gives the nodes back to root with mode 0666 (the driver's default) and removes the
 * groups and the rule.
 */
export const GPU_RULES = '/etc/udev/rules.d/70-fleetdeck-gpus.rules';
const group = (n: string) => `fleetdeck-gpu${n}`;

/** Set (or check, with "check") each node's group and mode; a node that is not there is said, not an error. */
const NODES = `mode=$1; shift; rc=0
for n do
  d=/dev/nvidia$n g=fleetdeck-gpu$n
  [ -c "$d" ] || { echo "$d is not on this host (no GPU $n, or the driver is not loaded)" >&2; continue; }
  if [ "$mode" = check ]; then [ "$(stat -c '%G %a' "$d")" = "$g 660" ] || rc=1
  else chgrp "$g" "$d" && chmod 0660 "$d" || rc=1; fi
done
exit $rc`;
const RESET = `for n do d=/dev/nvidia$n; [ -c "$d" ] && chgrp root "$d" && chmod 0666 "$d"; done; exit 0`;
/** Exit 0 when the group's members are exactly these (sorted, comma-separated). */
const MEMBERS = `[ "$(getent group "$1" | cut -d: -f4 | tr , '\\n' | sort | paste -sd, -)" = "$2" ]`;

/** The GPU indices a policy restricted (for taking the restriction away when it is turned off). */
export function restrictedGpus(limited: readonly { spec: LimitSpec }[]): string[] {
  return [...new Set(limited.flatMap((l) => (Array.isArray(l.spec.gpus) ? l.spec.gpus.filter((g) => /^\d+$/.test(g)) : [])))].sort((a, b) => Number(a) - Number(b));
}

export function gpuDevicePlan(limited: readonly { user: string; spec: LimitSpec }[], enabled: boolean, wasRestricted: readonly string[] = []): { resources: Resource[]; checks: Check[]; warnings: string[] } {
  const out = { resources: [] as Resource[], checks: [] as Check[], warnings: [] as string[] };
  if (!enabled) {
    // Turned off: the nodes go back to everyone, the rule and the groups go.
    if (!wasRestricted.length) return out;
    out.resources.push(
      { kind: 'file', path: GPU_RULES, content: null },
      { kind: 'command', id: 'gpu-device-nodes', label: `Give ${wasRestricted.map((n) => `/dev/nvidia${n}`).join(', ')} back to everyone (root, mode 0666)`, argv: ['/bin/sh', '-c', RESET, 'fleetdeck-gpu', ...wasRestricted], unless: ['/bin/sh', '-c', `for n do d=/dev/nvidia$n; [ -c "$d" ] || continue; [ "$(stat -c '%G %a' "$d")" = "root 666" ] || exit 1; done`, 'fleetdeck-gpu', ...wasRestricted], undoneWith: 'the rule file comes back with the rollback; apply again to restrict the nodes' },
      ...wasRestricted.map((n): Resource => ({ kind: 'command', id: `gpu-group-${n}`, label: `Remove group ${group(n)}`, argv: ['groupdel', '--', group(n)], unless: ['/bin/sh', '-c', '! getent group -- "$1" > /dev/null', 'fleetdeck-gpu', group(n)], undo: ['groupadd', '--system', '--', group(n)] })),
    );
    return out;
  }
  const byGpu = new Map<string, string[]>();
  const uuids: string[] = [];
  for (const l of limited) {
    if (!Array.isArray(l.spec.gpus)) continue;
    for (const g of l.spec.gpus) {
      if (/^\d+$/.test(g)) byGpu.set(g, [...(byGpu.get(g) ?? []), l.user]);
      else uuids.push(`${l.user}: ${g}`);
    }
  }
  if (uuids.length) out.warnings.push(`GPUs given by UUID are held to their users in containers only, not on the host (${uuids.join(', ')}): give indices to restrict /dev/nvidiaN too.`);
  if (!byGpu.size) {
    out.warnings.push('GPU device permissions are on, but no user has GPUs by index: nothing to restrict.');
    return out;
  }
  const gpus = [...byGpu.keys()].sort((a, b) => Number(a) - Number(b));
  for (const n of gpus) {
    const members = [...new Set(byGpu.get(n)!)].sort();
    out.resources.push({ kind: 'command', id: `gpu-group-${n}`, label: `Create group ${group(n)} (the users GPU ${n} is allocated to)`, argv: ['groupadd', '--system', '--', group(n)], unless: ['getent', 'group', '--', group(n)], undo: ['groupdel', '--', group(n)] });
    out.resources.push({ kind: 'command', id: `gpu-members-${n}`, label: `Members of ${group(n)}: ${members.join(', ')} (from their next login)`, argv: ['gpasswd', '-M', members.join(','), group(n)], unless: ['/bin/sh', '-c', MEMBERS, 'fleetdeck-gpu', group(n), members.join(',')], undoneWith: `the group goes with the rollback` });
    out.checks.push({ kind: 'command', id: `gpu-device-${n}`, label: `/dev/nvidia${n}: only ${members.join(', ')}`, argv: ['stat', '-c', '%G %a', `/dev/nvidia${n}`], expectOutput: `${group(n)} 660` });
  }
  const rules = `# Managed by Fleetdeck (per-user GPU allocation): each allocated GPU's node belongs to its users' group.\n${gpus.map((n) => `KERNEL=="nvidia${n}", GROUP="${group(n)}", MODE="0660"`).join('\n')}\n`;
  const file: Resource = { kind: 'file', path: GPU_RULES, content: rules, mode: 0o644, owner: 'root', group: 'root' };
  out.resources.push(file, {
    kind: 'command',
    id: 'gpu-device-nodes',
    label: `Give ${gpus.map((n) => `/dev/nvidia${n}`).join(', ')} to ${gpus.map(group).join(', ')} (mode 0660) now; the udev rule keeps it after a reboot`,
    argv: ['/bin/sh', '-c', NODES, 'fleetdeck-gpu', 'set', ...gpus],
    unless: ['/bin/sh', '-c', NODES, 'fleetdeck-gpu', 'check', ...gpus],
    rerunWhen: [resourceId(file)],
    undo: ['/bin/sh', '-c', RESET, 'fleetdeck-gpu', ...gpus],
  });
  out.warnings.push(`GPU device permissions: ${gpus.map((n) => `GPU ${n} for ${[...new Set(byGpu.get(n)!)].join(', ')}`).join('; ')}. Other users' host processes cannot open those GPUs; a user gets a new GPU at their next login.`);
  return out;
}
