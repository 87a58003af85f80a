import type { NetInterface } from '../../../src-common/inventory/inventory.schema.js';
import type { HelperContext } from '../context.js';
import { parseIpAddrJson } from './ip-addr.js';
import { parseNetDev } from './net-dev.js';
import { failedSection, okSection, type SectionResult } from './section.js';

/** Host-side halves of container veth pairs come and go with containers; the containers section covers them. */
const skipInterface = (name: string): boolean => name === 'lo' || name.startsWith('veth');

async function readNumber(ctx: HelperContext, path: string): Promise<number | null> {
  const text = await ctx.readText(path);
  const n = text === null ? NaN : Number(text.trim());
  return Number.isFinite(n) ? n : null;
}

export async function collectNetwork(ctx: HelperContext): Promise<SectionResult<NetInterface[]>> {
  const names = await ctx.listDir('/sys/class/net');
  const counters = parseNetDev((await ctx.readText('/proc/net/dev')) ?? '');
  if (names === null && counters.size === 0) return failedSection([], 'cannot read /sys/class/net or /proc/net/dev');
  let addresses = new Map<string, string[]>();
  let note: string | undefined;
  if (!ctx.live) note = 'addresses not read: commands are not run against a --root directory';
  else {
    const res = await ctx.run(['ip', '-j', 'addr'], { timeoutMs: 3000 });
    if (res.missing) note = 'addresses not read: the "ip" command (iproute2) is not installed';
    else {
      addresses = parseIpAddrJson(res.stdout);
      if (res.code !== 0 || addresses.size === 0) note = 'addresses not read: "ip -j addr" failed (iproute2 older than 4.13 has no JSON output)';
    }
  }
  const interfaces: NetInterface[] = [];
  for (const name of (names ?? [...counters.keys()]).sort()) {
    if (skipInterface(name)) continue;
    const base = `/sys/class/net/${name}`;
    const c = counters.get(name);
    // Reading speed fails (EINVAL) on links that are down or virtual; -1 means the same.
    const speed = await readNumber(ctx, `${base}/speed`);
    interfaces.push({
      name,
      mac: (await ctx.readText(`${base}/address`))?.trim() || null,
      state: (await ctx.readText(`${base}/operstate`))?.trim() || 'unknown',
      mtu: await readNumber(ctx, `${base}/mtu`),
      speedMbps: speed !== null && speed > 0 ? speed : null,
      addresses: addresses.get(name) ?? [],
      rxBytes: c?.rxBytes ?? (await readNumber(ctx, `${base}/statistics/rx_bytes`)) ?? 0,
      txBytes: c?.txBytes ?? (await readNumber(ctx, `${base}/statistics/tx_bytes`)) ?? 0,
    });
  }
  return okSection(interfaces, note);
}
