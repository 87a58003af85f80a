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

export function parseNvidiaSmiList(text: string): ListedGpu[] {
  const gpus: ListedGpu[] = [];
  for (const line of text.split('\n')) {
    const gpu = /^GPU (\d+): (.*?) \(UUID: ([^)]+)\)\s*$/.exec(line.trim());
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), name: gpu[2]!, uuid: gpu[3]!, migDevices: [] });
      continue;
    }
    const mig = /^MIG (\S+)\s+Device\s+(\d+): \(UUID: ([^)]+)\)\s*$/.exec(line.trim());
    if (mig && gpus.length > 0) gpus[gpus.length - 1]!.migDevices.push({ profile: mig[1]!, device: Number(mig[2]), uuid: mig[3]! });
  }
  return gpus;
}
