import type { CliIo } from './command.js';

/**
 * What the CLI prints goes to a terminal, and much of it comes from hosts (process names, file
 * paths, journal messages, user names), which may be hostile: an escape sequence in a process
 * name could retitle the window, move the cursor over earlier lines, or (on some terminals) write
 * to the clipboard. Every string the CLI writes passes here: control characters become "?",
 * except newline and tab, and except the colour sequences (SGR: ESC [ digits ; m), which only
 * colour text. JSON output is already escaped by JSON.stringify and is not touched by this.
 */
 
const UNSAFE = /\x1b\[[0-9;]{0,32}m|[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, (m) => (m.length > 1 ? m : '?'));
}

type Writer = CliIo['stdout'];

function guardWriter<W extends Pick<Writer, 'write'>>(w: W): W {
  const write = (chunk: string | Uint8Array, cb?: (err?: Error | null) => void) => (typeof chunk === 'string' ? w.write(terminalSafe(chunk), cb as never) : w.write(chunk as never, cb as never));
  return new Proxy(w, { get: (target, prop, receiver) => (prop === 'write' ? write : Reflect.get(target, prop, receiver)) });
}

/** The same io, with every string written made terminal-safe (binary chunks pass unchanged). */
export function terminalSafeIo(io: CliIo): CliIo {
  return { stdout: guardWriter(io.stdout), stderr: guardWriter(io.stderr as Writer) };
}
