import fc from 'fast-check';

/**
 * Machinery of the parser fuzz campaign (test/fuzz/CAMPAIGN.md): what a target is, the inputs
 * thrown at it, and the three checks (no unexpected exception, output bounded by the input,
 * 1 MB parsed within the bound).
 */

export interface FuzzTarget {
  /** The function under test and what it reads, e.g. "parseMeminfo (/proc/meminfo)". */
  name: string;
  /** Runs the parser (and what consumes its output on the same data) on one input. */
  parse: (text: string) => unknown;
  /** Real samples the mutators start from. */
  seeds: string[];
  /**
   * Output size (see outputSize) allowed per input character. Flat parsers copy substrings and
   * add a few fields per record; records built from a few characters of input ("{}" in a Docker
   * list, "<>" in XML) carry their field names, hence the larger factor where that happens.
   */
  amplification?: number;
  /** Exceptions that are the parser's documented contract (e.g. FleetdeckError). */
  expectedError?: (err: unknown) => boolean;
  /** Extra 1 MB inputs aimed at this parser (its worst cases, and the shapes that found bugs). */
  worstCases?: (size: number) => string[];
  /** Characters that mean something to this parser, for runs and mutations. */
  alphabet?: string;
  /** For nested formats: 1 MB nested as deep as it goes (a realistic worst case). */
  deepNesting?: (size: number) => string;
}

export const MB = 1 << 20;
/** The bound for a parser on 1 MB of realistic input, on a quiet machine (see machineFactor). */
export const ONE_MB_BOUND_MS = 100;
/**
 * Adversarial megabytes (a run of one character, a token repeated, a record every two bytes) may
 * build half a million records: they get ten times as long. What they are there to catch,
 * super-linear work, takes seconds to hours at this size.
 */
export const ADVERSARIAL_BOUND_MS = 10 * ONE_MB_BOUND_MS;
/** Output allowance that does not grow with the input: a few records' worth of field names. */
const OUTPUT_CONSTANT = 4096;
const DEFAULT_AMPLIFICATION = 8;

/** Fixed so a run is reproducible; FUZZ_SEED=n overrides it, and fast-check prints it on failure. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20260704);
/** FUZZ_FULL=1: the wide sweep of 1 MB inputs and ten times the fast-check runs (minutes, not seconds). */
export const FUZZ_FULL = process.env.FUZZ_FULL === '1';

/** Separators and quoting of the formats under test, plus the characters that break naive code. */
export const COMMON_ALPHABET = ' \t\n\r\0:=,;/|\\"\'#()[]{}<>&%*?!@.-_+0123456789abcdefxXAZ\u00a0\u2028\ufeff\ud800é€😀';

/**
 * Size of a parser's output: string lengths, 1 per number/boolean/null, keys by length, 1 per
 * container; Maps, Sets and Buffers included. Iterative, so a deep tree cannot overflow the stack,
 * and it stops counting past `limit` (a quadratic output must not take the test down with it).
 */
export function outputSize(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let size = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && size <= limit) {
    const v = pending.pop();
    size += 1;
    if (typeof v === 'string') size += v.length;
    else if (v === null || typeof v !== 'object') continue;
    else if (Buffer.isBuffer(v)) size += v.length;
    else if (v instanceof Map) for (const [k, x] of v) pending.push(k, x);
    else if (v instanceof Set || Array.isArray(v)) for (const x of v) pending.push(x);
    else
      for (const k in v) {
        size += k.length;
        pending.push((v as Record<string, unknown>)[k]);
      }
  }
  return size;
}

export function outputLimit(target: FuzzTarget, inputLength: number): number {
  return (target.amplification ?? DEFAULT_AMPLIFICATION) * inputLength + OUTPUT_CONSTANT;
}

/** Runs the target; an exception is returned as `error` only when it is the documented one. */
export function runTarget(target: FuzzTarget, text: string): { output: unknown; ms: number } {
  const start = performance.now();
  let output: unknown;
  try {
    output = target.parse(text);
  } catch (err) {
    if (!target.expectedError?.(err)) throw err;
    output = null;
  }
  return { output, ms: performance.now() - start };
}

/**
 * Best of up to three runs (a second run only when the first is over a third of the bound): the
 * bound is about the parser, and a 2-core machine shared with other test runs adds garbage
 * collection and scheduling pauses that a second try does not repeat.
 */
export function bestTime(target: FuzzTarget, text: string, boundMs: number): { ms: number; outputSize: number } {
  let best = runTarget(target, text);
  for (let tries = 1; tries < 3 && best.ms >= boundMs / 3; tries++) {
    const again = runTarget(target, text);
    if (again.ms < best.ms) best = again;
  }
  return { ms: best.ms, outputSize: outputSize(best.output, outputLimit(target, text.length) + 1) };
}

/** The reference parse below on a quiet machine: the bounds hold as written where it takes this long or less. */
const REFERENCE_MS = 10;
const REFERENCE_TEXT = 'MemTotal:       16316412 kB\n'.repeat(Math.ceil(MB / 28)).slice(0, MB);

/**
 * A plain parse of 1 MB in the shape most of the targets have: split into lines, each line into
 * fields, one record per line. It allocates about as much per byte as they do, so it slows down
 * with the machine's garbage collector the way they do.
 */
function referenceParse(): number {
  const start = performance.now();
  const records: Array<{ key: string; value: number; unit: string | null; fields: string[] }> = [];
  for (const line of REFERENCE_TEXT.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 2) records.push({ key: fields[0]!.replace(/:$/, ''), value: Number(fields[1]), unit: fields[2] ?? null, fields });
  }
  return performance.now() - start;
}

/**
 * How much slower than a quiet machine this one is right now, at least 1: the best of three
 * reference parses over REFERENCE_MS. The test machines are 2-core VMs shared with other test
 * runs, where the same linear parse takes two to ten times as long as on a laptop; the 1 MB
 * bounds are multiplied by this factor (at most MAX_MACHINE_FACTOR) so that they keep measuring
 * the parser, not the neighbours.
 */
export function machineFactor(): number {
  return Math.min(MAX_MACHINE_FACTOR, Math.max(1, Math.min(referenceParse(), referenceParse(), referenceParse()) / REFERENCE_MS));
}

/** Past this the bounds would stop measuring parsers: a quadratic one takes tens of seconds on 1 MB. */
const MAX_MACHINE_FACTOR = 20;

/**
 * For the regression tests beside the parsers, with the input that found the bug: the best of up
 * to three runs of `parse`, and the campaign's bound for a 1 MB input of that kind on this machine.
 */
export function timeAgainstOneMegabyteBound<T>(parse: () => T, realistic = false): { ms: number; boundMs: number; output: T } {
  const boundMs = (realistic ? ONE_MB_BOUND_MS : ADVERSARIAL_BOUND_MS) * machineFactor();
  let ms = Number.POSITIVE_INFINITY;
  let tries = 0;
  let output: T;
  do {
    const start = performance.now();
    output = parse();
    ms = Math.min(ms, performance.now() - start);
  } while (ms >= boundMs / 3 && ++tries < 3);
  return { ms, boundMs, output };
}

// ---------------------------------------------------------------------------------------------
// Inputs

const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / Math.max(1, unit.length))).slice(0, size);

/**
 * The generic 1 MB worst cases, built from the target's own samples: the samples repeated (many
 * ordinary lines), the samples on one line, one sample line with a field blown up to 1 MB, runs of
 * each character that means something to the format, and every whitespace-separated token of the
 * samples repeated (the shape that makes a regex retry from every position).
 */
export interface OneMegabyteInput {
  label: string;
  /** Built when its test runs: 35 targets' megabytes at once would be most of a gigabyte. */
  text: () => string;
  /** Built from real samples (or real nesting): held to ONE_MB_BOUND_MS, the rest to ADVERSARIAL_BOUND_MS. */
  realistic: boolean;
}

export function oneMegabyteInputs(target: FuzzTarget, size = MB): OneMegabyteInput[] {
  const seeds = target.seeds.length > 0 ? target.seeds : [''];
  const joined = seeds.join('\n');
  const lines = joined.split('\n').filter((l) => l.trim() !== '');
  const firstLine = lines[0] ?? '';
  const realistic = (label: string, text: () => string): OneMegabyteInput => ({ label, text, realistic: true });
  const adversarial = (label: string, text: () => string): OneMegabyteInput => ({ label, text, realistic: false });
  const out: OneMegabyteInput[] = [
    realistic('samples repeated', () => fill(`${joined}\n`, size)),
    realistic('samples on one line', () => fill(`${joined.replace(/\n/g, ' ')} `, size)),
    realistic('first line, 1 MB field', () => `${firstLine}${fill('a1 ', size)}\n${joined}`),
    ...(target.deepNesting ? [realistic('deeply nested', () => target.deepNesting!(size))] : []),
    adversarial('blank lines', () => fill('\n', size)),
    adversarial('spaces then x', () => `${fill(' ', size)}x`),
    adversarial('run of NUL', () => `${firstLine}${fill('\0', size)}`),
  ];
  // Counted on a small size, built full size once for all of them when the first is needed.
  let worstCases: string[] | undefined;
  const count = target.worstCases?.(4096).length ?? 0;
  for (let i = 0; i < count; i++) out.push(adversarial(`worst case ${i + 1}`, () => (worstCases ??= target.worstCases!(size))[i]!));
  if (!FUZZ_FULL) return out;
  // The wide sweep (FUZZ_FULL=1): every character of the format in a 1 MB run, and the samples'
  // first tokens repeated. The shapes in it that found bugs are kept as worst cases above.
  for (const ch of new Set(target.alphabet ?? '')) {
    if (ch.trim() !== '') out.push(adversarial(`run of ${JSON.stringify(ch)}`, () => `${firstLine}${fill(ch, size)}`));
  }
  const tokens = [...new Set(joined.split(/\s+/).filter((t) => t.length > 1))].slice(0, 6);
  for (const t of tokens) out.push(adversarial(`token ${JSON.stringify(t.slice(0, 20))} repeated`, () => fill(t, size)));
  return out;
}

/** One mutation of a sample, with positions as fractions so they fit any sample. */
type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number; times: number }
  | { kind: 'run'; at: number; char: string; length: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'truncate'; at: number };

function mutationArb(alphabet: string): fc.Arbitrary<Mutation> {
  const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
  const chars = fc.constantFrom(...alphabet);
  return fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at, text: fc.oneof(fc.string({ unit: chars, maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 })) }),
    fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 200 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 200 }), times: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ kind: fc.constant('run' as const), at, char: chars, length: fc.integer({ min: 1, max: 20_000 }) }),
    fc.record({ kind: fc.constant('swapLines' as const), a: at, b: at }),
    fc.record({ kind: fc.constant('truncate' as const), at }),
  );
}

function applyMutation(s: string, m: Mutation): string {
  if (m.kind === 'swapLines') {
    const lines = s.split('\n');
    const a = Math.floor(m.a * lines.length);
    const b = Math.floor(m.b * lines.length);
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    return lines.join('\n');
  }
  const i = Math.floor(m.at * (s.length + 1));
  switch (m.kind) {
    case 'insert':
      return s.slice(0, i) + m.text + s.slice(i);
    case 'delete':
      return s.slice(0, i) + s.slice(i + m.length);
    case 'duplicate':
      return s.slice(0, i) + s.slice(i, i + m.length).repeat(m.times + 1) + s.slice(i + m.length);
    case 'run':
      return s.slice(0, i) + m.char.repeat(m.length) + s.slice(i);
    case 'truncate':
      return s.slice(0, i);
  }
}

/** A real sample with 1 to 8 mutations: reaches the code past each parser's first checks. */
export function mutatedSample(target: FuzzTarget): fc.Arbitrary<string> {
  const alphabet = COMMON_ALPHABET + (target.alphabet ?? '');
  const seeds = target.seeds.length > 0 ? target.seeds : [''];
  return fc
    .tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutationArb(alphabet), { minLength: 1, maxLength: 8 }))
    .map(([i, mutations]) => mutations.reduce(applyMutation, seeds[i]!));
}

/** Unstructured text: any UTF-16 (lone surrogates, NUL), the format's own characters, long lines. */
export function anyText(target: FuzzTarget): fc.Arbitrary<string> {
  const chars = fc.constantFrom(...(COMMON_ALPHABET + (target.alphabet ?? '')));
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: chars, maxLength: 400 }),
    fc.tuple(fc.string({ unit: chars, maxLength: 20 }), chars, fc.integer({ min: 1000, max: 50_000 })).map(([head, c, n]) => head + c.repeat(n)),
  );
}

/** Docker and iproute2 speak JSON: the samples with subtrees replaced by any JSON value. */
export function mutatedJson(seeds: string[]): fc.Arbitrary<string> {
  const parsed = seeds.map((s) => JSON.parse(s) as unknown);
  return fc
    .tuple(fc.integer({ min: 0, max: parsed.length - 1 }), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.jsonValue({ maxDepth: 3 })), { minLength: 1, maxLength: 6 }))
    .map(([i, edits]) => {
      const doc = structuredClone(parsed[i]);
      for (const [where, value] of edits) replaceNode(doc, where, value);
      return JSON.stringify(doc);
    });
}

/** Replaces the node at position `where` (a fraction of a pre-order walk) of `doc` in place. */
function replaceNode(doc: unknown, where: number, value: unknown): void {
  const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk: unknown[] = [doc];
  while (walk.length > 0 && slots.length < 5000) {
    const node = walk.pop();
    if (node === null || typeof node !== 'object') continue;
    for (const key of Object.keys(node)) {
      const k = Array.isArray(node) ? Number(key) : key;
      slots.push([node as Record<string, unknown>, k]);
      walk.push((node as Record<string, unknown>)[key]);
    }
  }
  const slot = slots[Math.floor(where * slots.length)];
  if (slot) (slot[0] as Record<string | number, unknown>)[slot[1]] = value;
}

export const jsonOrNull = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};
