import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { docker } from '../testbed/docker.js';

/**
 * A tiny container image for tests, made from this machine's busybox (no registry is reachable):
 * `sh` and `sleep` are enough for the workloads the tests run.
 */
export const BUSYBOX_IMAGE = 'fleetdeck-test/busybox:1';

export async function ensureBusyboxImage(): Promise<string> {
  if ((await docker(['image', 'inspect', BUSYBOX_IMAGE])).code === 0) return BUSYBOX_IMAGE;
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-busybox-'));
  mkdirSync(path.join(dir, 'bin'));
  copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'));
  for (const tool of ['sh', 'sleep']) symlinkSync('busybox', path.join(dir, 'bin', tool));
  // A binary tar: piped as a Buffer (the testbed's run() takes text input).
  const tar = execFileSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
  execFileSync('docker', ['import', '-', BUSYBOX_IMAGE], { input: tar, stdio: ['pipe', 'ignore', 'inherit'] });
  return BUSYBOX_IMAGE;
}
