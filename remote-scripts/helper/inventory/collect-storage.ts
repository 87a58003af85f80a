import type { BlockDevice, Filesystem } from '../../../src-common/inventory/inventory.schema.js';
import type { HelperContext } from '../context.js';
import { isReadOnly, parseMountinfo, parseProcMounts, selectRealFilesystems, type MountEntry } from './mountinfo.js';
import { failedSection, okSection, withTimeout, type SectionResult } from './section.js';

/** statfs on a mount whose NFS/SMB server is gone blocks forever; give each mount this long. */
const STATFS_TIMEOUT_MS = 2000;

export async function readMounts(ctx: HelperContext): Promise<MountEntry[] | null> {
  const mountinfo = await ctx.readText('/proc/self/mountinfo');
  if (mountinfo !== null) return parseMountinfo(mountinfo);
  const mounts = await ctx.readText('/proc/mounts');
  return mounts === null ? null : parseProcMounts(mounts);
}

export async function collectFilesystems(ctx: HelperContext): Promise<SectionResult<Filesystem[]>> {
  const mounts = await readMounts(ctx);
  if (mounts === null) return failedSection([], 'cannot read /proc/self/mountinfo or /proc/mounts');
  const selected = selectRealFilesystems(mounts);
  const unreadable: string[] = [];
  const filesystems = await Promise.all(
    selected.map(async (m): Promise<Filesystem | null> => {
      const s = await withTimeout(ctx.statfs(m.mountPoint), STATFS_TIMEOUT_MS, null);
      if (s === null) {
        unreadable.push(m.mountPoint);
        return null;
      }
      return {
        mountPoint: m.mountPoint,
        device: m.source,
        fsType: m.fsType,
        totalBytes: s.blocks * s.bsize,
        usedBytes: Math.max(0, (s.blocks - s.bfree) * s.bsize),
        availableBytes: s.bavail * s.bsize,
        inodesTotal: s.files,
        inodesFree: s.ffree,
        readOnly: isReadOnly(m),
      };
    }),
  );
  const list = filesystems.filter((f): f is Filesystem => f !== null);
  return unreadable.length > 0 ? okSection(list, `no usage for ${unreadable.join(', ')} (statfs failed or timed out after ${STATFS_TIMEOUT_MS} ms)`) : okSection(list);
}

async function readFlag(ctx: HelperContext, path: string): Promise<boolean | null> {
  const text = await ctx.readText(path);
  return text === null ? null : text.trim() === '1';
}

/** sysfs counts size in 512-byte sectors regardless of the device's logical block size. */
async function sizeBytes(ctx: HelperContext, dir: string): Promise<number> {
  const sectors = Number(((await ctx.readText(`${dir}/size`)) ?? '0').trim());
  return Number.isFinite(sectors) ? sectors * 512 : 0;
}

export async function collectBlockDevices(ctx: HelperContext): Promise<SectionResult<BlockDevice[]>> {
  const names = await ctx.listDir('/sys/block');
  if (names === null) return failedSection([], 'cannot list /sys/block: is sysfs mounted?');
  const devices: BlockDevice[] = [];
  for (const name of names.sort()) {
    const dir = `/sys/block/${name}`;
    const size = await sizeBytes(ctx, dir);
    const isLoop = name.startsWith('loop');
    const model = (await ctx.readText(`${dir}/device/model`))?.trim() || null;
    const hasDevice = (await ctx.exists(`${dir}/device`)) || model !== null;
    // Unattached loop devices and unconfigured zram/ram devices (size 0) are placeholders the
    // kernel keeps around; an empty card reader (a disk of size 0) is still worth showing.
    if (size === 0 && (isLoop || !hasDevice)) continue;
    const rotational = await readFlag(ctx, `${dir}/queue/rotational`);
    const removable = (await readFlag(ctx, `${dir}/removable`)) ?? false;
    devices.push({ name, sizeBytes: size, rotational, removable, model, type: isLoop ? 'loop' : hasDevice ? 'disk' : 'other' });
    for (const entry of ((await ctx.listDir(dir)) ?? []).sort()) {
      if (!entry.startsWith(name) || !(await ctx.exists(`${dir}/${entry}/partition`))) continue;
      devices.push({ name: entry, sizeBytes: await sizeBytes(ctx, `${dir}/${entry}`), rotational, removable, model: null, type: 'partition' });
    }
  }
  return okSection(devices);
}
