import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { HelperContext } from '../context.js';
import { findBinary } from './find-binary.js';

type GpuVendor = Probe['gpuVendors'][number];

const PCI_VENDORS: Record<string, GpuVendor> = { '0x10de': 'nvidia', '0x1002': 'amd', '0x8086': 'intel' };

/**
 * Display controllers (PCI class 0x03xxxx) on the PCI bus: this finds GPUs even when no driver is
 * loaded, which is exactly the case worth warning about.
 */
async function pciDisplayVendors(ctx: HelperContext): Promise<Set<GpuVendor>> {
  const found = new Set<GpuVendor>();
  for (const dev of (await ctx.listDir('/sys/bus/pci/devices')) ?? []) {
    const cls = (await ctx.readText(`/sys/bus/pci/devices/${dev}/class`))?.trim() ?? '';
    if (!cls.startsWith('0x03')) continue;
    const vendor = PCI_VENDORS[(await ctx.readText(`/sys/bus/pci/devices/${dev}/vendor`))?.trim().toLowerCase() ?? ''];
    if (vendor) found.add(vendor);
  }
  return found;
}

/** DRM cards (card0, card1; not connectors like card0-HDMI-A-1): catches platform GPUs that are not on PCI. */
async function drmVendors(ctx: HelperContext): Promise<Set<GpuVendor>> {
  const found = new Set<GpuVendor>();
  for (const card of ((await ctx.listDir('/sys/class/drm')) ?? []).filter((c) => /^card\d+$/.test(c))) {
    const vendor = PCI_VENDORS[(await ctx.readText(`/sys/class/drm/${card}/device/vendor`))?.trim().toLowerCase() ?? ''];
    if (vendor) found.add(vendor);
  }
  return found;
}

export async function detectGpuVendors(ctx: HelperContext): Promise<{ vendors: GpuVendor[]; warnings: string[] }> {
  const vendors = new Set<GpuVendor>([...(await pciDisplayVendors(ctx)), ...(await drmVendors(ctx))]);
  const nvidiaDriver = await ctx.exists('/proc/driver/nvidia');
  const nvidiaSmi = await findBinary(ctx, 'nvidia-smi');
  if (nvidiaDriver || nvidiaSmi) vendors.add('nvidia');
  const warnings: string[] = [];
  if (vendors.has('nvidia') && !nvidiaDriver) {
    warnings.push('An NVIDIA GPU or nvidia-smi is present but the NVIDIA kernel driver is not loaded (/proc/driver/nvidia missing): install the driver or run "sudo modprobe nvidia"');
  } else if (nvidiaDriver && !nvidiaSmi) {
    warnings.push('The NVIDIA driver is loaded but nvidia-smi is not installed: install the NVIDIA utilities package matching the driver to get GPU inventory');
  }
  const order: GpuVendor[] = ['nvidia', 'amd', 'intel'];
  return { vendors: order.filter((v) => vendors.has(v)), warnings };
}
