import { spawn } from 'node:child_process';
import { HelperClient, type HelperTransport } from './helper-client.js';
import { loadAssets } from './assets.js';

/**
 * Runs the helper on this machine as a child process (`fleetdeck --local`, contract tests):
 * the same bundle and the same frames as on a remote host, just without SSH.
 */
export function childTransport(child: ReturnType<typeof spawn>): HelperTransport {
  return {
    write: (b) => {
      if (child.stdin?.writable) child.stdin.write(b);
    },
    onData: (l) => child.stdout?.on('data', l),
    onStderr: (l) => child.stderr?.on('data', l),
    onClose: (l) => child.once('close', (code, signal) => l({ code, signal })),
    end: () => {
      child.stdin?.end();
      setTimeout(() => child.kill('SIGTERM'), 2000).unref();
    },
  };
}

export async function startLocalHelper(opts: { root?: string; debug?: boolean; nodePath?: string; helperPath?: string } = {}): Promise<HelperClient> {
  const assets = loadAssets();
  const args = [opts.helperPath ?? assets.helperPath];
  if (opts.root) args.push('--root', opts.root);
  const child = spawn(opts.nodePath ?? process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...(opts.debug ? { FLEETDECK_HELPER_DEBUG: '1' } : {}) },
  });
  child.on('error', () => undefined);
  return HelperClient.start(childTransport(child), { label: 'this machine', expectedHash: opts.helperPath ? undefined : assets.helperHash });
}

/** A helper on a Unix socket (the resident agent) as a transport: a forwarded SSH channel works the same way (channelTransport). */
export function socketTransport(sock: import('node:net').Socket): HelperTransport {
  return {
    write: (b) => {
      if (!sock.destroyed) sock.write(b);
    },
    onData: (l) => sock.on('data', l),
    onClose: (l) => sock.once('close', () => l({ code: null })),
    end: () => sock.end(),
  };
}
