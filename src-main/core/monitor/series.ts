import { SERIES, type Series } from '../../../src-common/monitor/monitor.contract.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';

/**
 * The history series, in SERIES order, as SQL column names and as values taken from a Sample.
 * Column names are only ever interpolated into SQL from this table, never from input.
 */
export const SERIES_COLUMNS: Record<Series, string> = {
  cpu: 'cpu',
  mem: 'mem',
  load1: 'load1',
  netRx: 'net_rx',
  netTx: 'net_tx',
  diskRead: 'disk_read',
  diskWrite: 'disk_write',
  gpuUtil: 'gpu_util',
  gpuMem: 'gpu_mem',
  gpuTemp: 'gpu_temp',
  iowait: 'iowait',
  swap: 'swap',
};

export const COLUMNS: readonly string[] = SERIES.map((s) => SERIES_COLUMNS[s]);
export const SERIES_COUNT = SERIES.length;

/**
 * Interfaces whose traffic is also counted on a physical interface (loopback, container veth
 * pairs and bridges); summing them would double a container's download in the host's total.
 */
const VIRTUAL_IFACE = /^(lo|veth|docker|br-|cni|virbr|flannel|cali|vxlan)/;
const virtualIfaces = new Map<string, boolean>();

function isVirtual(iface: string): boolean {
  let v = virtualIfaces.get(iface);
  if (v === undefined) {
    v = VIRTUAL_IFACE.test(iface);
    // veth names are random and come and go with containers: a bound keeps the cache small.
    if (virtualIfaces.size > 4096) virtualIfaces.clear();
    virtualIfaces.set(iface, v);
  }
  return v;
}

/**
 * One value per series (null where the host could not measure it), in SERIES order. `out`
 * lets the bulk write path reuse arrays instead of allocating one per sample.
 */
export function seriesValues(s: Sample, out: (number | null)[] = new Array<number | null>(SERIES.length)): (number | null)[] {
  let rx = 0;
  let tx = 0;
  for (const n of s.net) {
    if (isVirtual(n.iface)) continue;
    rx += n.rxBytesPerSec;
    tx += n.txBytesPerSec;
  }
  let rd = 0;
  let wr = 0;
  for (const d of s.disks) {
    rd += d.readBytesPerSec;
    wr += d.writeBytesPerSec;
  }
  let utilSum = 0;
  let utilN = 0;
  let memUsed = 0;
  let memTotal = 0;
  let temp: number | null = null;
  for (const g of s.gpus) {
    if (g.utilizationPercent !== null) {
      utilSum += g.utilizationPercent;
      utilN++;
    }
    if (g.memoryUsedBytes !== null && g.memoryTotalBytes) {
      memUsed += g.memoryUsedBytes;
      memTotal += g.memoryTotalBytes;
    }
    if (g.temperatureC !== null && (temp === null || g.temperatureC > temp)) temp = g.temperatureC;
  }
  const mem = s.memory.totalBytes > 0 ? (s.memory.usedBytes / s.memory.totalBytes) * 100 : null;
  // Byte rates are stored whole: SQLite then keeps them as small integers instead of 8-byte reals.
  out[0] = s.cpu.totalPercent;
  out[1] = mem;
  out[2] = s.load[0];
  out[3] = Math.round(rx);
  out[4] = Math.round(tx);
  out[5] = Math.round(rd);
  out[6] = Math.round(wr);
  out[7] = utilN ? utilSum / utilN : null;
  out[8] = memTotal ? (memUsed / memTotal) * 100 : null;
  out[9] = temp;
  out[10] = s.cpu.iowaitPercent;
  out[11] = Math.round(s.memory.swapUsedBytes);
  return out;
}
