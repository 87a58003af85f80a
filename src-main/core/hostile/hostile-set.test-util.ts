import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The shared hostile set (issue 8): what a careless or malicious caller might pass to any input of
 * the app API or the CLI. Strings that would run a command if anything ever handed them to a shell
 * touch a canary file; the campaign ends by checking that it does not exist.
 */
export const CANARY = path.join(tmpdir(), `fleetdeck-canary-${process.pid}`);

export const HOSTILE_STRINGS: readonly { label: string; value: string }[] = [
  { label: 'command substitution', value: `$(touch ${CANARY})` },
  { label: 'backticks', value: `\`touch ${CANARY}\`` },
  { label: 'semicolon', value: `a;touch ${CANARY}` },
  { label: 'pipe and redirect', value: `a|tee ${CANARY}>x` },
  { label: 'and-and', value: `x && touch ${CANARY}` },
  { label: 'quotes', value: `'"'"'; touch ${CANARY}; '` },
  { label: 'glob and tilde', value: '~/*' },
  { label: 'dash option', value: `--oProxyCommand=touch ${CANARY}` },
  { label: 'parent dirs', value: '../../../../etc/shadow' },
  { label: 'NUL', value: 'a\0b' },
  { label: 'newline', value: 'a\nb' },
  { label: 'carriage return', value: 'a\r\nb' },
  { label: 'escape sequence', value: '\x1b[2J\x1b]0;pwned\x07' },
  { label: 'overlong (100 kB)', value: 'a'.repeat(100_000) },
  { label: 'empty', value: '' },
  { label: 'blank', value: '   ' },
  { label: 'cyrillic look-alike', value: 'аdmin' },
  { label: 'fullwidth look-alike', value: 'ｒｏｏｔ' },
  { label: 'right-to-left override', value: 'gpu\u202e1-' },
  { label: 'zero-width space', value: 'gpu\u200b1' },
  { label: 'lone surrogate', value: 'a\ud800b' },
  { label: 'percent-encoded', value: '%2e%2e%2f%00' },
];

export const HOSTILE_NUMBERS: readonly { label: string; value: unknown }[] = [
  { label: '-1', value: -1 },
  { label: '-0', value: -0 },
  { label: '1.5', value: 1.5 },
  { label: '2^53+1', value: 2 ** 53 + 1 },
  { label: '1e308', value: 1e308 },
  { label: 'NaN', value: Number.NaN },
  { label: 'Infinity', value: Number.POSITIVE_INFINITY },
  { label: 'numeric string', value: '22' },
  { label: 'exponent string', value: '1e3' },
];

export const HOSTILE_TYPES: readonly { label: string; value: unknown }[] = [
  { label: 'null', value: null },
  { label: 'true', value: true },
  { label: 'array', value: [] },
  { label: 'object', value: {} },
  { label: '__proto__ object', value: JSON.parse('{"__proto__":{"polluted":1}}') },
];

export const ALL_HOSTILE: readonly { label: string; value: unknown }[] = [...HOSTILE_STRINGS, ...HOSTILE_NUMBERS, ...HOSTILE_TYPES];

export function canaryTouched(): boolean {
  return existsSync(CANARY);
}
