import { createReadStream } from 'node:fs';
import type { Client, ClientChannel } from 'ssh2';
import { FleetdeckError } from '../../../src-common/problems.js';
import { quoteArgv } from '../ssh/argv.js';
import type { HelperTransport } from './helper-client.js';

/** Opens an exec channel for argv (quoted once, in quoteArgv). */
export function execChannel(client: Client, argv: string[], onOpen?: (stream: ClientChannel) => void): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(quoteArgv(argv), (err, stream) => {
        if (err) reject(new FleetdeckError('disconnected', `The host refused to run a command: ${err.message}`));
        else {
          // Before anything else runs: ssh2 may emit 'exit' in the same tick as the open (a fast
          // command whose packets arrive together), and a listener added after an await misses it.
          onOpen?.(stream);
          resolve(stream);
        }
      });
    } catch (err) {
      reject(new FleetdeckError('disconnected', `The SSH connection is gone: ${(err as Error).message}`));
    }
  });
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs argv to completion, feeding stdin from a buffer or a file, and collects its output. */
export async function execCapture(
  client: Client,
  argv: string[],
  opts: { stdin?: Buffer | { file: string }; timeoutMs?: number; label?: string } = {},
): Promise<ExecResult> {
  let code: number | null = null;
  let signal: string | null = null;
  const stream = await execChannel(client, argv, (s) =>
    s.on('exit', (c: number | null, sig?: string) => {
      code = c;
      signal = sig ?? null;
    }),
  );
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      stream.close();
      reject(new FleetdeckError('timeout', `${opts.label ?? argv[0]} did not finish within ${Math.round((opts.timeoutMs ?? 60000) / 1000)} s.`));
    }, opts.timeoutMs ?? 60_000);
    stream.on('data', (d: Buffer) => out.push(d));
    stream.stderr.on('data', (d: Buffer) => err.push(d));
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    if (opts.stdin && 'file' in opts.stdin) {
      const src = createReadStream(opts.stdin.file);
      src.on('error', (e) => {
        stream.close();
        reject(new FleetdeckError('internal-error', `Cannot read ${opts.stdin && 'file' in opts.stdin ? opts.stdin.file : ''}: ${e.message}`));
      });
      src.pipe(stream);
    } else if (opts.stdin) {
      stream.end(opts.stdin);
    } else {
      stream.end();
    }
  });
}

/** Adapts an exec channel to the helper transport interface. */
export function channelTransport(stream: ClientChannel): HelperTransport {
  let closed = false;
  return {
    write: (b) => {
      if (!closed) stream.write(b);
    },
    onData: (l) => stream.on('data', l),
    onStderr: (l) => stream.stderr.on('data', l),
    onClose: (l) => {
      let code: number | null = null;
      let signal: string | null = null;
      stream.on('exit', (c: number | null, s?: string) => {
        code = c;
        signal = s ?? null;
      });
      stream.once('close', () => {
        closed = true;
        l({ code, signal });
      });
    },
    end: () => {
      if (closed) return;
      stream.end();
      setTimeout(() => stream.close(), 2000).unref();
    },
  };
}
