import { parseOsRelease } from '../../../src-common/inventory/os-release.js';
import { classifyOs, expectedPackageBackend, type PackageBackend } from '../../../src-common/inventory/os-table.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { HelperContext } from '../context.js';
import { cgroupLayoutFromMounts, parseCgroupControllers } from '../inventory/cgroup-mode.js';
import { readMounts } from '../inventory/collect-storage.js';
import { readHostname } from '../inventory/collect-users.js';
import { detectContainerRuntimes } from './container-runtimes.js';
import { findBinary } from './find-binary.js';
import { detectGpuVendors } from './gpu-vendors.js';
import { detectLibc } from './libc.js';
import { detectApparmor, detectSelinux } from './security.js';
import { detectVirtualization } from './virtualization.js';

/**
 * What kind of host this is, by capability: which package tool, service manager, cgroup layout,
 * container runtime and GPUs are actually there, not what the distro name suggests. Anything
 * that cannot be determined becomes a warning saying what and how to fix it; probe never throws
 * for a property of the host.
 */

/** Package tools by capability; the order breaks ties only when the OS table has no opinion. */
const PACKAGE_TOOLS: Array<[PackageBackend, string]> = [['apt', 'apt-get'], ['dnf', 'dnf'], ['yum', 'yum'], ['zypper', 'zypper'], ['pacman', 'pacman'], ['apk', 'apk']];

const PROCESS_ARCH_TO_UNAME: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', ia32: 'i686' };

async function readOs(ctx: HelperContext, warnings: string[]): Promise<Probe['os']> {
  const text = (await ctx.readText('/etc/os-release')) ?? (await ctx.readText('/usr/lib/os-release'));
  if (text === null) warnings.push('Neither /etc/os-release nor /usr/lib/os-release exists: the distribution is unknown (install the base-files/os-release package)');
  return classifyOs(parseOsRelease(text ?? ''));
}

async function readKernel(ctx: HelperContext): Promise<string | null> {
  const fromProc = (await ctx.readText('/proc/sys/kernel/osrelease'))?.trim();
  if (fromProc) return fromProc;
  if (!ctx.live) return null;
  const res = await ctx.run(['uname', '-r'], { timeoutMs: 2000 });
  return res.code === 0 ? res.stdout.trim() || null : null;
}

async function readArch(ctx: HelperContext): Promise<string | null> {
  if (!ctx.live) return null;
  const res = await ctx.run(['uname', '-m'], { timeoutMs: 2000 });
  if (res.code === 0 && res.stdout.trim()) return res.stdout.trim();
  return PROCESS_ARCH_TO_UNAME[process.arch] ?? process.arch;
}

async function detectPackageBackend(ctx: HelperContext, os: Probe['os']): Promise<Probe['packageBackend']> {
  const found: PackageBackend[] = [];
  for (const [backend, binary] of PACKAGE_TOOLS) if (await findBinary(ctx, binary)) found.push(backend);
  const expected = expectedPackageBackend(os);
  // RHEL 8+ ships "yum" as an alias of dnf, and people install foreign tools: the table decides ties.
  if (expected && found.includes(expected)) return expected;
  return found[0] ?? 'unknown';
}

async function detectServiceManager(ctx: HelperContext): Promise<Probe['serviceManager']> {
  // sd_booted(3): this directory exists only while systemd runs as PID 1.
  if (await ctx.exists('/run/systemd/system')) return 'systemd';
  if ((await ctx.exists('/run/openrc')) || (await ctx.exists('/sbin/openrc-run')) || (await ctx.exists('/sbin/openrc'))) return 'openrc';
  return 'none';
}

async function detectCgroup(ctx: HelperContext, warnings: string[]): Promise<Probe['cgroup']> {
  const mounts = await readMounts(ctx);
  if (mounts === null) {
    warnings.push('Cannot read /proc/self/mountinfo: cgroup mode unknown (is /proc mounted?)');
    return { mode: 'none', controllers: [] };
  }
  const layout = cgroupLayoutFromMounts(mounts);
  let v2Controllers: string[] = [];
  if (layout.v2MountPoint) {
    const text = await ctx.readText(`${layout.v2MountPoint}/cgroup.controllers`);
    if (text !== null) v2Controllers = parseCgroupControllers(text);
    else if (layout.mode === 'v2') warnings.push(`Cannot read ${layout.v2MountPoint}/cgroup.controllers: available cgroup controllers unknown`);
  }
  if (layout.mode === 'none') warnings.push('No cgroup filesystem is mounted: resource limits cannot be applied on this host');
  return { mode: layout.mode, controllers: [...new Set([...layout.v1Controllers, ...v2Controllers])].sort() };
}

async function hasQuotaTools(ctx: HelperContext): Promise<boolean> {
  for (const tool of ['setquota', 'repquota', 'quota', 'xfs_quota']) if (await findBinary(ctx, tool)) return true;
  return false;
}

export async function probe(ctx: HelperContext): Promise<Probe> {
  const warnings: string[] = [];
  const os = await readOs(ctx, warnings);
  const [kernel, arch, hostname, libc, packageBackend, serviceManager, cgroup, virtualization, runtimes, gpus, selinux, apparmor, quotaTools] = await Promise.all([
    readKernel(ctx),
    readArch(ctx),
    readHostname(ctx),
    detectLibc(ctx),
    detectPackageBackend(ctx, os),
    detectServiceManager(ctx),
    detectCgroup(ctx, warnings),
    detectVirtualization(ctx),
    detectContainerRuntimes(ctx),
    detectGpuVendors(ctx),
    detectSelinux(ctx),
    detectApparmor(ctx),
    hasQuotaTools(ctx),
  ]);
  const offline = ctx.live ? '' : ' (commands are not run against a --root directory)';
  if (kernel === null) warnings.push(`Kernel version unknown: /proc/sys/kernel/osrelease is unreadable${offline}`);
  if (arch === null) warnings.push(`CPU architecture unknown${offline}`);
  if (hostname === 'unknown') warnings.push('Hostname unknown: /proc/sys/kernel/hostname and /etc/hostname are unreadable');
  if (libc.kind === 'unknown') warnings.push(`C library unknown: no glibc (libc.so.6) or musl loader found${offline}`);
  if (packageBackend === 'unknown') warnings.push(`No supported package manager found (looked for ${PACKAGE_TOOLS.map(([, b]) => b).join(', ')}): packages cannot be installed from Fleetdeck`);
  if (!os.supported) warnings.push(os.matchedRow ? `${os.matchedRow} is not supported by Fleetdeck: see the OS table note` : `${os.prettyName ?? os.name} is not in Fleetdeck's OS table: it may work, but is untested`);
  warnings.push(...runtimes.warnings, ...gpus.warnings);
  return {
    os,
    kernel: kernel ?? 'unknown',
    arch: arch ?? 'unknown',
    hostname,
    libc,
    packageBackend,
    serviceManager,
    cgroup,
    virtualization,
    containerRuntimes: runtimes.runtimes,
    gpuVendors: gpus.vendors,
    security: { selinux, apparmor },
    quotaTools,
    warnings,
  };
}
