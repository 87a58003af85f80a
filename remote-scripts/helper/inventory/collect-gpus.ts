import type { Gpu } from '../../../src-common/inventory/inventory.schema.js';
import type { HelperContext } from '../context.js';
import { parseNvidiaSmiXml } from './nvidia-smi-xml.js';
import { failedSection, okSection, type SectionResult } from './section.js';

/** nvidia-smi can take seconds on a host with many GPUs and persistence mode off. */
const NVIDIA_SMI_TIMEOUT_MS = 15000;

export async function collectGpus(ctx: HelperContext): Promise<SectionResult<Gpu[]>> {
  if (!ctx.live) return okSection([], 'GPUs not queried: commands are not run against a --root directory');
  const res = await ctx.run(['nvidia-smi', '-q', '-x'], { timeoutMs: NVIDIA_SMI_TIMEOUT_MS });
  if (res.missing) {
    const driverLoaded = await ctx.exists('/proc/driver/nvidia/version');
    return driverLoaded
      ? failedSection([], 'the NVIDIA driver is loaded but nvidia-smi is not on PATH: install the NVIDIA utilities package for this driver')
      : okSection([], 'no NVIDIA GPU tooling (nvidia-smi not installed)');
  }
  if (res.code !== 0) {
    const why = (res.stdout.trim() || res.stderr.trim()).split('\n')[0] ?? '';
    return failedSection([], `nvidia-smi failed (exit ${res.code ?? 'timeout'}): ${why || 'no output'}; check that the NVIDIA kernel module is loaded (lsmod | grep nvidia) and matches the installed driver`);
  }
  try {
    return okSection(parseNvidiaSmiXml(res.stdout).gpus);
  } catch (err) {
    return failedSection([], `could not read nvidia-smi XML: ${err instanceof Error ? err.message : String(err)}`);
  }
}
