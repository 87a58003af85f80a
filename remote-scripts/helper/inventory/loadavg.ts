export interface LoadAvg {
  one: number;
  five: number;
  fifteen: number;
  running: number;
  total: number;
  lastPid: number | null;
}

/** /proc/loadavg: "0.02 0.04 0.05 1/497 11947"; null when the line does not have that shape. */
export function parseLoadavg(text: string): LoadAvg | null {
  const match = /^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\/(\d+)(?:\s+(\d+))?/.exec(text);
  if (!match) return null;
  return {
    one: Number(match[1]),
    five: Number(match[2]),
    fifteen: Number(match[3]),
    running: Number(match[4]),
    total: Number(match[5]),
    lastPid: match[6] === undefined ? null : Number(match[6]),
  };
}
