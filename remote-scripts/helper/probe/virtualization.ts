import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { HelperContext } from '../context.js';
import { containerFromMounts } from '../inventory/container-identity.js';
import { parseMountinfo } from '../inventory/mountinfo.js';
import { describeCgroupMembership, parseProcPidCgroup } from '../inventory/proc-pid-cgroup.js';
import { findBinary } from './find-binary.js';

/**
 * Names follow systemd-detect-virt, which is asked first when present. Without it (Alpine,
 * minimal containers, --root directories) the same answer is pieced together from files.
 */
export type Virtualization = Probe['virtualization'];

/** systemd-detect-virt's container identifiers (plus the runtimes we can tell apart ourselves). */
const CONTAINER_KINDS = new Set(['docker', 'podman', 'lxc', 'lxc-libvirt', 'systemd-nspawn', 'openvz', 'rkt', 'wsl', 'proot', 'pouch', 'container-other', 'crio', 'containerd']);

export const isContainerKind = (kind: string): boolean => CONTAINER_KINDS.has(kind);

/** DMI strings of common hypervisors and clouds → systemd-detect-virt names. */
export function vmFromDmi(sysVendor: string, productName: string): string | null {
  const s = `${sysVendor} ${productName}`.toLowerCase();
  if (s.includes('qemu')) return 'qemu';
  if (s.includes('kvm') || s.includes('openstack')) return 'kvm';
  if (s.includes('vmware')) return 'vmware';
  if (s.includes('virtualbox') || s.includes('innotek')) return 'oracle';
  if (s.includes('xen')) return 'xen';
  if (s.includes('amazon ec2')) return 'amazon';
  if (s.includes('google compute engine')) return 'google';
  if (s.includes('microsoft corporation') && s.includes('virtual machine')) return 'microsoft';
  if (s.includes('parallels')) return 'parallels';
  if (s.includes('bochs')) return 'bochs';
  return null;
}

async function containerFromFiles(ctx: HelperContext): Promise<string | null> {
  const mounts = parseMountinfo((await ctx.readText('/proc/self/mountinfo')) ?? '');
  const fromMounts = containerFromMounts(mounts);
  if (await ctx.exists('/.dockerenv')) return 'docker';
  // Podman and CRI-O both drop /run/.containerenv; the mounts tell which one.
  if (await ctx.exists('/run/.containerenv')) return fromMounts?.runtime === 'crio' ? 'crio' : 'podman';
  const pid1 = describeCgroupMembership(parseProcPidCgroup((await ctx.readText('/proc/1/cgroup')) ?? ''));
  if (pid1.containerId) return pid1.runtime ?? 'container-other';
  if (fromMounts) return fromMounts.runtime ?? 'container-other';
  const environ = (await ctx.readText('/proc/1/environ')) ?? '';
  const declared = /(?:^|\0)container=([^\0]+)/.exec(environ)?.[1];
  if (declared) return declared === 'oci' ? 'container-other' : declared;
  if ((await ctx.exists('/proc/vz')) && !(await ctx.exists('/proc/bc'))) return 'openvz';
  const osrelease = (await ctx.readText('/proc/sys/kernel/osrelease')) ?? '';
  if (/microsoft|wsl/i.test(osrelease)) return 'wsl';
  return null;
}

async function vmFromFiles(ctx: HelperContext): Promise<string | null> {
  const vendor = (await ctx.readText('/sys/class/dmi/id/sys_vendor'))?.trim() ?? '';
  const product = (await ctx.readText('/sys/class/dmi/id/product_name'))?.trim() ?? '';
  const fromDmi = vmFromDmi(vendor, product);
  if (fromDmi) return fromDmi;
  const cpuinfo = (await ctx.readText('/proc/cpuinfo')) ?? '';
  return /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo) ? 'vm-other' : null;
}

export async function detectVirtualization(ctx: HelperContext): Promise<Virtualization> {
  if (ctx.live && (await findBinary(ctx, 'systemd-detect-virt'))) {
    const res = await ctx.run(['systemd-detect-virt'], { timeoutMs: 3000 });
    const kind = res.stdout.trim();
    // It exits 1 while printing "none" on bare metal; any one-word answer is trustworthy.
    if (/^[\w-]+$/.test(kind)) return { kind, container: isContainerKind(kind) };
  }
  const container = await containerFromFiles(ctx);
  if (container) return { kind: container, container: true };
  const vm = await vmFromFiles(ctx);
  return { kind: vm ?? 'none', container: false };
}
