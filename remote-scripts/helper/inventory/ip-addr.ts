/** `ip -j addr` (iproute2 JSON): addresses per interface as "addr/prefix". */
export function parseIpAddrJson(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return out;
  }
  if (!Array.isArray(data)) return out;
  for (const link of data as Array<Record<string, unknown>>) {
    const name = typeof link.ifname === 'string' ? link.ifname : null;
    if (!name) continue;
    const infos = Array.isArray(link.addr_info) ? (link.addr_info as Array<Record<string, unknown>>) : [];
    const addresses = infos
      .filter((a) => typeof a.local === 'string')
      .map((a) => (typeof a.prefixlen === 'number' ? `${a.local as string}/${a.prefixlen}` : (a.local as string)));
    out.set(name, addresses);
  }
  return out;
}
