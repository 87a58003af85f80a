/** /proc/net/dev: per-interface counters since boot (or since the interface appeared). */

export interface NetDevCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

export function parseNetDev(text: string): Map<string, NetDevCounters> {
  const out = new Map<string, NetDevCounters>();
  for (const line of text.split('\n')) {
    // Split at the colon, not on whitespace: large counters used to run into the name ("eth0:123").
    const colon = line.indexOf(':');
    if (colon === -1 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const v = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (!name || v.length < 16 || v.some((n) => !Number.isFinite(n))) continue;
    out.set(name, {
      rxBytes: v[0]!, rxPackets: v[1]!, rxErrors: v[2]!, rxDropped: v[3]!,
      txBytes: v[8]!, txPackets: v[9]!, txErrors: v[10]!, txDropped: v[11]!,
    });
  }
  return out;
}
