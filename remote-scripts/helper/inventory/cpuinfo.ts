/**
 * /proc/cpuinfo: CPU model and topology. The file differs per architecture: x86 has
 * "model name" and "physical id"/"core id" per processor; arm64 has only implementer/part codes
 * (and on a Raspberry Pi a trailing global "Model" line); POWER has "cpu". Topology missing from
 * the file is better taken from sysfs (countTopology), which the collector does.
 */

export interface CpuTopology {
  sockets: number;
  cores: number;
  threads: number;
}

export interface CpuInfo extends CpuTopology {
  model: string;
  /** Whether sockets/cores came from physical id / core id lines rather than defaults. */
  topologyKnown: boolean;
}

type Block = Map<string, string>;

function blocks(text: string): Block[] {
  const out: Block[] = [];
  let current: Block = new Map();
  for (const line of text.split('\n')) {
    const idx = line.indexOf(':');
    if (line.trim() === '' || idx === -1) {
      if (current.size > 0) out.push(current);
      current = new Map();
      continue;
    }
    current.set(line.slice(0, idx).trim(), line.slice(idx + 1).trim());
  }
  if (current.size > 0) out.push(current);
  return out;
}

/** A few common arm64 parts, so an ARM server shows a name instead of hex codes. */
const ARM_PARTS: Record<string, string> = {
  '0x41:0xd03': 'ARM Cortex-A53',
  '0x41:0xd07': 'ARM Cortex-A57',
  '0x41:0xd08': 'ARM Cortex-A72',
  '0x41:0xd0b': 'ARM Cortex-A76',
  '0x41:0xd0c': 'ARM Neoverse-N1',
  '0x41:0xd40': 'ARM Neoverse-V1',
  '0x41:0xd49': 'ARM Neoverse-N2',
  '0x41:0xd4f': 'ARM Neoverse-V2',
  '0xc0:0xac3': 'Ampere-1',
  '0x48:0xd01': 'HiSilicon TaiShan v110',
};

function modelOf(processors: Block[], globals: Block[]): string {
  const first = processors[0];
  for (const key of ['model name', 'cpu model', 'cpu']) {
    const value = first?.get(key);
    if (value) return value;
  }
  for (const g of [...globals, ...processors]) {
    const value = g.get('Model') ?? g.get('Hardware');
    if (value) return value;
  }
  const implementer = first?.get('CPU implementer')?.toLowerCase();
  const part = first?.get('CPU part')?.toLowerCase();
  if (implementer && part) return ARM_PARTS[`${implementer}:${part}`] ?? `ARM implementer ${implementer} part ${part}`;
  return 'unknown';
}

export function countTopology(cpus: ReadonlyArray<{ physicalId: string; coreId: string }>): CpuTopology {
  return {
    sockets: new Set(cpus.map((c) => c.physicalId)).size,
    cores: new Set(cpus.map((c) => `${c.physicalId}/${c.coreId}`)).size,
    threads: cpus.length,
  };
}

export function parseCpuinfo(text: string): CpuInfo {
  const all = blocks(text);
  const processors = all.filter((b) => b.has('processor') && /^\d+$/.test(b.get('processor')!));
  // A Set, not processors.includes(): a hostile file of thousands of blocks must not cost blocks².
  const isProcessor = new Set(processors);
  const globals = all.filter((b) => !isProcessor.has(b));
  const model = modelOf(processors, globals);
  const withIds = processors.filter((p) => p.has('physical id') && p.has('core id'));
  if (processors.length > 0 && withIds.length === processors.length) {
    const topology = countTopology(withIds.map((p) => ({ physicalId: p.get('physical id')!, coreId: p.get('core id')! })));
    return { model, ...topology, topologyKnown: true };
  }
  const threads = processors.length;
  return { model, sockets: threads > 0 ? 1 : 0, cores: threads, threads, topologyKnown: false };
}
