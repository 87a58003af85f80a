/**
 * `nvidia-smi -L`: "GPU 0: NVIDIA GeForce RTX 4080 SUPER (UUID: GPU-...)", with MIG instances
 * indented below their GPU as "  MIG 1g.10gb     Device  0: (UUID: MIG-...)".
 */

export interface ListedGpu {
  index: number;
  name: string;
  uuid: string;
  migDevices: Array<{ profile: string; device: number; uuid: string }>;
}

const UUID_OPEN = ' (UUID: ';

/**
 * "GPU N: name (UUID: id)": the name runs to the first " (UUID: " whose id has no ")" before the
 * closing one, so the search starts after the last inner ")". (A lazy regex did the same search
 * by scanning to the end of the line from every " (UUID: ", quadratic on a hostile line.)
 */
function listedGpu(line: string): ListedGpu | null {
  const head = /^GPU (\d+): /.exec(line);
  if (!head || !line.endsWith(')')) return null;
  const innerClose = line.lastIndexOf(')', line.length - 2);
  const open = line.indexOf(UUID_OPEN, Math.max(head[0].length, innerClose + 1));
  const uuid = open === -1 ? '' : line.slice(open + UUID_OPEN.length, -1);
  return uuid ? { index: Number(head[1]), name: line.slice(head[0].length, open), uuid, migDevices: [] } : null;
}

export function parseNvidiaSmiList(text: string): ListedGpu[] {
  const gpus: ListedGpu[] = [];
  for (const line of text.split('\n')) {
    const gpu = listedGpu(line.trim());
    if (gpu) {
      gpus.push(gpu);
      continue;
    }
    const mig = /^MIG (\S+)\s+Device\s+(\d+): \(UUID: ([^)]+)\)\s*$/.exec(line.trim());
    if (mig && gpus.length > 0) gpus[gpus.length - 1]!.migDevices.push({ profile: mig[1]!, device: Number(mig[2]), uuid: mig[3]! });
  }
  return gpus;
}
