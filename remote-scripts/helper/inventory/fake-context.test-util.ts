import type { HelperContext, RunResult, UnixHttpResult } from '../context.js';

/**
 * An in-memory HelperContext for tests: files from a map (directories are implied by paths),
 * commands answered from a map keyed by the joined argv, and unix-socket HTTP from a function.
 * Anything not listed is absent: unreadable file, missing program, ENOENT socket.
 */
export interface FakeHost {
  files?: Record<string, string>;
  commands?: Record<string, Partial<RunResult>>;
  http?: (socketPath: string, urlPath: string) => UnixHttpResult;
  live?: boolean;
  uid?: number;
  env?: NodeJS.ProcessEnv;
}

export function fakeContext(host: FakeHost): HelperContext & { ran: string[][]; requested: string[] } {
  const files = host.files ?? {};
  const ran: string[][] = [];
  const requested: string[] = [];
  const isDir = (p: string): boolean => {
    const prefix = p.endsWith('/') ? p : `${p}/`;
    return Object.keys(files).some((f) => f.startsWith(prefix));
  };
  return {
    root: '/',
    live: host.live ?? true,
    env: host.env ?? { PATH: '/usr/bin:/bin' },
    uid: host.uid ?? 1000,
    ran,
    requested,
    async readText(p) {
      return files[p] ?? null;
    },
    async listDir(p) {
      if (!isDir(p)) return null;
      const prefix = p.endsWith('/') ? p : `${p}/`;
      return [...new Set(Object.keys(files).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0]!))];
    },
    async readLink() {
      return null;
    },
    async exists(p) {
      return p in files || isDir(p);
    },
    async statfs(p) {
      return p in files || isDir(p) ? { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 100, ffree: 60 } : null;
    },
    async run(argv) {
      ran.push(argv);
      const answer = host.commands?.[argv.join(' ')];
      if (!answer) return { code: null, stdout: '', stderr: '', missing: true };
      return { code: 0, stdout: '', stderr: '', ...answer };
    },
    async httpGetUnix(socketPath, urlPath) {
      requested.push(`${socketPath} ${urlPath}`);
      return host.http ? host.http(socketPath, urlPath) : { ok: false, code: 'ENOENT', message: 'no such socket' };
    },
  };
}
