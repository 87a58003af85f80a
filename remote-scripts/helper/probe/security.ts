import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { HelperContext } from '../context.js';

export async function detectSelinux(ctx: HelperContext): Promise<Probe['security']['selinux']> {
  const enforce = (await ctx.readText('/sys/fs/selinux/enforce'))?.trim();
  if (enforce === '1') return 'enforcing';
  if (enforce === '0') return 'permissive';
  // selinuxfs is not mounted when SELinux is disabled, but its config still says so.
  const config = await ctx.readText('/etc/selinux/config');
  // [ \t], not \s: under the m flag a \s* that can cross newlines rescans every blank line from each
  // line start, and a config of blank lines took hours.
  return config !== null && /^[ \t]*SELINUX[ \t]*=/m.test(config) ? 'disabled' : 'absent';
}

export async function detectApparmor(ctx: HelperContext): Promise<Probe['security']['apparmor']> {
  const enabled = (await ctx.readText('/sys/module/apparmor/parameters/enabled'))?.trim();
  if (enabled === undefined) return 'absent';
  return enabled === 'Y' ? 'enabled' : 'disabled';
}
