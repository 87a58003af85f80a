/** `nvidia-smi --version` (drivers >= 525): "DRIVER version : 595.71.05" / "CUDA Version : 13.2". */
export function parseNvidiaSmiVersion(text: string): { driverVersion: string | null; cudaVersion: string | null } {
  const pick = (label: RegExp): string | null => {
    for (const line of text.split('\n')) {
      const idx = line.indexOf(':');
      if (idx !== -1 && label.test(line.slice(0, idx).trim())) return line.slice(idx + 1).trim() || null;
    }
    return null;
  };
  return { driverVersion: pick(/^DRIVER version$/i), cudaVersion: pick(/^CUDA Version$/i) };
}
