/**
 * A small YAML writer for the configs modules render (Prometheus, Alertmanager, Grafana
 * provisioning). Every string is written double-quoted with JSON's escapes, which YAML reads the
 * same way, so a value from settings or the host (a name with ":" or "#", a newline) can never
 * become YAML structure. Keys are plain where they are simple identifiers, quoted otherwise.
 */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [k: string]: YamlValue | undefined };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const key = (k: string) => (PLAIN_KEY.test(k) ? k : JSON.stringify(k));

function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`YAML: ${v} is not a finite number`);
    return String(v);
  }
  return typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

const isScalar = (v: YamlValue): v is string | number | boolean | null => v === null || typeof v !== 'object';

function lines(v: YamlValue, indent: string): string[] {
  if (isScalar(v)) return [scalar(v)];
  if (Array.isArray(v)) {
    if (!v.length) return ['[]'];
    return v
      .flatMap((item: YamlValue) => {
        if (isScalar(item)) return [`- ${scalar(item)}`];
        // A mapping or list in a list: its first line after the dash, the rest under it.
        const [first, ...rest] = lines(item, '');
        return [`- ${first}`, ...rest.map((l) => `  ${l}`)];
      })
      .map((l) => indent + l);
  }
  const entries = Object.entries(v as Record<string, YamlValue | undefined>).filter((e): e is [string, YamlValue] => e[1] !== undefined);
  if (!entries.length) return ['{}'];
  return entries.flatMap(([k, val]) => {
    if (isScalar(val)) return [`${indent}${key(k)}: ${scalar(val)}`];
    const inner = lines(val, '');
    if (inner.length === 1 && (inner[0] === '[]' || inner[0] === '{}')) return [`${indent}${key(k)}: ${inner[0]}`];
    return [`${indent}${key(k)}:`, ...inner.map((l) => `${indent}  ${l}`)];
  });
}

/** The document, ending in a newline. */
export function toYaml(doc: YamlValue): string {
  return `${lines(doc, '').join('\n')}\n`;
}
