import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, readdir, readlink, stat, statfs } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { rootChildEnv, rootSearchDirs, trustedRootDirs } from './root-env.js';

/**
 * What probe and inventory code may touch on the host. Files are read under `root`
 * (normally "/", or a directory given by `fleetdeck --local --root DIR` for tests), and commands
 * run as argv arrays only, never through a shell.
 */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT: not installed). */
  missing?: boolean;
}

/** Outcome of an HTTP GET over a unix socket; `code` is the errno (EACCES, ENOENT, ECONNREFUSED) or ETIMEDOUT. */
export type UnixHttpResult = { ok: true; status: number; body: string } | { ok: false; code: string; message: string };

export interface HelperContext {
  root: string;
  /** Reads a file under root; null when it does not exist or cannot be read. */
  readText(absPath: string): Promise<string | null>;
  /**
   * Synchronous read for small kernel pseudo-files (/proc/PID/*), which never wait on a disk:
   * about ten times cheaper than readText per file, which matters when a sampler reads a thousand
   * of them every second. Optional: test doubles may leave it out.
   */
  readProcText?(absPath: string): string | null;
  /** Synchronous listing of a kernel pseudo-directory (/proc), for the same reason as readProcText. Optional for test doubles. */
  listProcDir?(absPath: string): string[] | null;
  /** Reads a file's bytes under root (a gzipped /proc/config.gz); null when it cannot be read. Optional for test doubles. */
  readBytes?(absPath: string): Promise<Buffer | null>;
  listDir(absPath: string): Promise<string[] | null>;
  readLink(absPath: string): Promise<string | null>;
  exists(absPath: string): Promise<boolean>;
  /**
   * What changes when a file or directory changes (inode, size, modification and change times),
   * for caches keyed on configuration files; null when it does not exist. Optional for test doubles.
   */
  fileStamp?(absPath: string): Promise<string | null>;
  statfs(absPath: string): Promise<{ bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number } | null>;
  /** Runs argv[0] with argv[1..]; never a shell. Times out after timeoutMs (default 5000). */
  run(argv: string[], opts?: { timeoutMs?: number; input?: string }): Promise<RunResult>;
  /**
   * For long host changes (a package install): output lines as they come (onLine), extra
   * environment on top of the helper's own (validated names: DEBIAN_FRONTEND, proxies), and
   * cancellation. Keeps the last 64 KiB of each stream. Optional: test doubles may leave it out.
   */
  runStreaming?(argv: string[], opts: { timeoutMs: number; env?: Record<string, string>; onLine?: (line: string, stream: 'stdout' | 'stderr') => void; signal?: AbortSignal; input?: string }): Promise<RunResult>;
  /**
   * GET urlPath from an HTTP server on a unix socket under root (Docker/Podman Engine API).
   * Never rejects; gives up after timeoutMs (default 2000). Optional so test doubles may omit it.
   */
  httpGetUnix?(socketPath: string, urlPath: string, opts?: { timeoutMs?: number }): Promise<UnixHttpResult>;
  /** Whether commands and /proc refer to the live host (false when root != "/"). */
  live: boolean;
  /** The environment the helper runs in (as root: only the fixed PATH of root-env.ts). */
  env: NodeJS.ProcessEnv;
  uid: number;
  /**
   * Where findBinary looks. As root: only directories root alone can write (root-env.ts); the
   * PATH of whoever started the helper is never used. Test doubles may leave it out.
   */
  binDirs?: string[];
}

export function createContext(root = '/'): HelperContext {
  const resolved = path.resolve(root);
  const live = resolved === '/';
  const under = (p: string): string => (live ? p : path.join(resolved, p));
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const rootDirs = uid === 0 ? trustedRootDirs(rootSearchDirs(process.env.PATH)) : null;
  // Children of a root helper get a fixed PATH and nothing else; a user helper's get its own env.
  const childEnv: NodeJS.ProcessEnv = rootDirs ? rootChildEnv(rootDirs) : { ...process.env, LC_ALL: 'C' };
  return {
    root: resolved,
    live,
    env: rootDirs ? childEnv : process.env,
    uid,
    ...(rootDirs ? { binDirs: rootDirs } : {}),
    async readText(p) {
      try {
        return await readFile(under(p), 'utf8');
      } catch {
        return null;
      }
    },
    readProcText(p) {
      try {
        return readFileSync(under(p), 'utf8');
      } catch {
        return null;
      }
    },
    listProcDir(p) {
      try {
        return readdirSync(under(p));
      } catch {
        return null;
      }
    },
    async readBytes(p) {
      try {
        return await readFile(under(p));
      } catch {
        return null;
      }
    },
    async listDir(p) {
      try {
        return await readdir(under(p));
      } catch {
        return null;
      }
    },
    async readLink(p) {
      try {
        return await readlink(under(p));
      } catch {
        return null;
      }
    },
    async exists(p) {
      try {
        await stat(under(p));
        return true;
      } catch {
        return false;
      }
    },
    async fileStamp(p) {
      try {
        const s = await stat(under(p), { bigint: true });
        return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      } catch {
        return null;
      }
    },
    async statfs(p) {
      try {
        const s = await statfs(under(p));
        return { bsize: Number(s.bsize), blocks: Number(s.blocks), bfree: Number(s.bfree), bavail: Number(s.bavail), files: Number(s.files), ffree: Number(s.ffree) };
      } catch {
        return null;
      }
    },
    httpGetUnix(socketPath, urlPath, opts = {}) {
      return new Promise((resolve) => {
        let settled = false;
        const finish = (r: UnixHttpResult): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(r);
        };
        const req = http.get({ socketPath: under(socketPath), path: urlPath, headers: { Host: 'localhost' } }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > 32 * 1024 * 1024) req.destroy(new Error('response larger than 32 MiB'));
            else chunks.push(chunk);
          });
          res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, code: err.code ?? 'EIO', message: err.message }));
        });
        req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, code: err.code ?? 'EIO', message: err.message }));
        const timer = setTimeout(() => {
          finish({ ok: false, code: 'ETIMEDOUT', message: `no answer within ${opts.timeoutMs ?? 2000} ms` });
          req.destroy();
        }, opts.timeoutMs ?? 2000);
      });
    },
    runStreaming(argv, opts) {
      return new Promise((resolve) => {
        const [file, ...args] = argv;
        if (!file) return resolve({ code: null, stdout: '', stderr: 'empty argv', missing: true });
        const env: NodeJS.ProcessEnv = { ...childEnv };
        for (const [k, v] of Object.entries(opts.env ?? {})) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !/[\0\n]/.test(v)) env[k] = v;
        // The helper runs as root under umask 077 (its own files are private). What it runs to
        // change the host (package installs and their maintainer scripts, certbot, a module's
        // commands) gets an administrator's usual umask 022, as on a root shell: else a directory
        // certbot makes for nginx, or a file a postinst writes, is unreadable to the service.
        const child = spawn('/bin/sh', ['-c', 'umask 022; exec "$@"', 'sh', file, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
        const tails = { stdout: '', stderr: '' };
        const partial = { stdout: '', stderr: '' };
        const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          tails[stream] = (tails[stream] + text).slice(-64 * 1024);
          const lines = (partial[stream] + text).split(/\r?\n|\r/);
          partial[stream] = lines.pop() ?? '';
          for (const line of lines) if (line.trim()) opts.onLine?.(line, stream);
        };
        child.stdout.on('data', take('stdout'));
        child.stderr.on('data', take('stderr'));
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }, opts.timeoutMs);
        const onAbort = () => child.kill('SIGTERM');
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        child.on('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          resolve({ code: null, stdout: '', stderr: err.message, missing: notFound(file, err) });
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          for (const s of ['stdout', 'stderr'] as const) if (partial[s].trim()) opts.onLine?.(partial[s], s);
          // exec of a program that is not there: the shell says so and exits 127.
          if ((code === 127 && /exec: .*not found|No such file/.test(tails.stderr)) || (code === 126 && !file.includes('/') && /exec: .*Permission denied/.test(tails.stderr))) return resolve({ code: null, stdout: tails.stdout, stderr: tails.stderr, missing: true });
          resolve({ code: timedOut ? null : code, stdout: tails.stdout, stderr: timedOut ? `${tails.stderr}\ntimed out after ${Math.round(opts.timeoutMs / 1000)} s` : tails.stderr });
        });
        child.stdin.on('error', () => undefined);
        child.stdin.end(opts.input ?? '');
      });
    },
    run(argv, opts = {}) {
      return new Promise((resolve) => {
        const [file, ...args] = argv;
        if (!file) {
          resolve({ code: null, stdout: '', stderr: 'empty argv', missing: true });
          return;
        }
        const child = execFile(
          file,
          args,
          { timeout: opts.timeoutMs ?? 5000, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8', env: childEnv },
          (err, stdout, stderr) => {
            if (err && notFound(file, err as NodeJS.ErrnoException)) {
              resolve({ code: null, stdout: '', stderr: String(stderr), missing: true });
              return;
            }
            const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
          },
        );
        if (opts.input !== undefined) child.stdin?.end(opts.input);
        else child.stdin?.end();
      });
    },
  };
}

/**
 * A program looked up by name that could not be started is not there for this account: ENOENT, or
 * EACCES where a directory on PATH is not this account's to search (execvp then reports EACCES, as
 * for the per-user agent of a login whose PATH names another user's directory).
 */
function notFound(file: string, err: NodeJS.ErrnoException): boolean {
  return err.code === 'ENOENT' || (err.code === 'EACCES' && !file.includes('/'));
}
