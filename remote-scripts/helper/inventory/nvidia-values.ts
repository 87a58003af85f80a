/**
 * nvidia-smi value conventions, shared by the XML, CSV, -q text and table parsers. Missing values
 * come in many spellings across driver versions: "N/A", "[N/A]", "[Not Supported]",
 * "Requested functionality has been deprecated", "[Unknown Error]", "[Insufficient Permissions]".
 */

const MISSING = /^(n\/a|not supported|not available|unknown error|insufficient permissions|requested functionality has been deprecated|gpu requires reset|gpu is lost|no data|unknown)$/i;

/** The value as a string, or null when nvidia-smi says it has none. */
/** "Enabled"/"Disabled" (ECC mode, persistence mode, …) → 'enabled'/'disabled'; N/A and the rest → null. */
export function nvOnOff(raw: string | null | undefined): 'enabled' | 'disabled' | null {
  const v = nvText(raw)?.toLowerCase();
  return v === 'enabled' ? 'enabled' : v === 'disabled' ? 'disabled' : null;
}

export function nvText(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  let value = raw.trim();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1).trim();
  if (value === '' || MISSING.test(value)) return null;
  return value;
}

/** The leading number of values like "26.78 W", "40 C", "0 %", "1005 MiB", "1590 MHz"; null when missing. */
export function nvNumber(raw: string | null | undefined): number | null {
  const value = nvText(raw);
  if (value === null) return null;
  const match = /^[-+]?\d+(?:\.\d+)?/.exec(value);
  return match ? Number(match[0]) : null;
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  kb: 1024,
  mib: 1024 ** 2,
  mb: 1024 ** 2,
  gib: 1024 ** 3,
  gb: 1024 ** 3,
};

/**
 * Memory sizes to bytes. nvidia-smi writes "MiB" (and in CSV headers "[MiB]"), meaning 2^20;
 * `defaultUnit` applies when the value itself carries no unit (CSV with nounits).
 */
export function nvBytes(raw: string | null | undefined, defaultUnit = 'MiB'): number | null {
  const value = nvText(raw);
  if (value === null) return null;
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value);
  if (!match) return null;
  const factor = BYTE_UNITS[(match[2] || defaultUnit).toLowerCase()];
  return factor === undefined ? null : Math.round(Number(match[1]) * factor);
}
