import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The resident agent's history on the host: one file per hour of host time, each line
 * "<t> <sample JSON>". The hour being written is plain text, appended a line at a time (a crash
 * loses at most the line being written; a torn last line is skipped when read); a finished hour is
 * gzipped (written aside, then renamed over, so a crash leaves either the plain or the whole gzip
 * file). Bounded twice: files older than keepMs go, and the oldest go first while the buffer is
 * over maxBytes.
 */
export const HOUR_MS = 3_600_000;
export const DEFAULT_KEEP_MS = 48 * HOUR_MS;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

type HourFile = { hour: number; name: string; gz: boolean; bytes: number };

const FILE = /^(\d{10,16})\.jsonl(\.gz)?$/;

export class SampleBuffer {
  private fd: number | null = null;
  private hour: number | null = null;
  private newest: number | null = null;
  readonly keepMs: number;
  readonly maxBytes: number;

  constructor(
    readonly dir: string,
    opts: { keepMs?: number; maxBytes?: number; now?: () => number } = {},
  ) {
    this.keepMs = opts.keepMs ?? DEFAULT_KEEP_MS;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.now = opts.now ?? Date.now;
  }
  private readonly now: () => number;

  /** Makes the directory (root only), finishes hours a crash left plain, and prunes. */
  open(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const current = this.now() - (this.now() % HOUR_MS);
    for (const f of this.files()) if (!f.gz && f.hour < current) this.compress(f.hour);
    this.prune();
  }

  files(): HourFile[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: HourFile[] = [];
    for (const name of names) {
      const m = FILE.exec(name);
      if (!m) continue;
      let bytes = 0;
      try {
        bytes = statSync(path.join(this.dir, name)).size;
      } catch {
        continue;
      }
      out.push({ hour: Number(m[1]), name, gz: !!m[2], bytes });
    }
    return out.sort((a, b) => a.hour - b.hour || Number(a.gz) - Number(b.gz));
  }

  /** Appends one sample (already stripped to what history needs) at host time t. */
  append(t: number, json: string): void {
    const hour = t - (t % HOUR_MS);
    if (this.hour !== hour) {
      this.closeHour();
      this.hour = hour;
      this.fd = openSync(path.join(this.dir, `${hour}.jsonl`), 'a', 0o600);
    }
    writeSync(this.fd!, `${t} ${json}\n`);
    this.newest = Math.max(this.newest ?? t, t);
  }

  /** The hour being written is closed and gzipped (the next sample opens the next one). */
  private closeHour(): void {
    if (this.fd === null || this.hour === null) return;
    try {
      fsyncSync(this.fd);
    } catch {
      /* the data is in the page cache; a crash now costs at most this hour's tail */
    }
    closeSync(this.fd);
    this.fd = null;
    this.compress(this.hour);
    this.prune();
  }

  private compress(hour: number): void {
    const plain = path.join(this.dir, `${hour}.jsonl`);
    const gz = `${plain}.gz`;
    let text: Buffer;
    try {
      text = readFileSync(plain);
    } catch {
      return;
    }
    // An hour written twice (the clock went back, or a crash between rename and unlink): both kept, one file.
    let before = Buffer.alloc(0);
    try {
      before = gunzipSync(readFileSync(gz));
    } catch {
      /* none yet */
    }
    writeFileSync(`${gz}.tmp`, gzipSync(Buffer.concat([before, text])), { mode: 0o600 });
    renameSync(`${gz}.tmp`, gz);
    unlinkSync(plain);
  }

  /** Drops what is older than keepMs, then the oldest while over maxBytes (never the hour being written). */
  prune(): void {
    const cutoff = this.now() - this.keepMs;
    let files = this.files();
    for (const f of files) if (f.hour + HOUR_MS <= cutoff && f.hour !== this.hour) this.remove(f);
    files = this.files();
    let total = files.reduce((n, f) => n + f.bytes, 0);
    for (const f of files) {
      if (total <= this.maxBytes) break;
      if (f.hour === this.hour) continue;
      this.remove(f);
      total -= f.bytes;
    }
  }

  private remove(f: HourFile): void {
    try {
      unlinkSync(path.join(this.dir, f.name));
    } catch {
      /* gone already */
    }
  }

  /** The lines (sample JSON) with since < t ≤ until, oldest hour first; torn lines skipped. */
  *read(since: number, until = Number.MAX_SAFE_INTEGER): Generator<{ t: number; json: string }> {
    for (const f of this.files()) {
      if (f.hour + HOUR_MS <= since || f.hour > until) continue;
      let text: string;
      try {
        const raw = readFileSync(path.join(this.dir, f.name));
        text = (f.gz ? gunzipSync(raw) : raw).toString('utf8');
      } catch {
        continue;
      }
      let start = 0;
      while (start < text.length) {
        const end = text.indexOf('\n', start);
        if (end < 0) break; // a torn last line: written when the agent died
        const space = text.indexOf(' ', start);
        if (space > start && space < end) {
          const t = Number(text.slice(start, space));
          if (Number.isFinite(t) && t > since && t <= until) yield { t, json: text.slice(space + 1, end) };
        }
        start = end + 1;
      }
    }
  }

  status(): { oldest: number | null; newest: number | null; bytes: number; files: number } {
    const files = this.files();
    let oldest: number | null = null;
    const first = files[0];
    if (first) for (const l of this.read(first.hour - 1, first.hour + HOUR_MS)) {
      oldest = l.t;
      break;
    }
    return { oldest, newest: this.newest ?? (files.length ? this.lastT(files) : null), bytes: files.reduce((n, f) => n + f.bytes, 0), files: files.length };
  }

  private lastT(files: HourFile[]): number | null {
    let last: number | null = null;
    const f = files[files.length - 1]!;
    for (const l of this.read(f.hour - 1, f.hour + HOUR_MS)) last = l.t;
    return last;
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
      this.hour = null;
    }
  }
}
