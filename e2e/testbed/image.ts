// The Debian systemd host image: built once per machine by debian-image.sh (debootstrap, ~1 min
// with a warm .deb cache, ~1-2.5 min cold). The tag includes a hash of that script, so changing
// the recipe builds a new image on next use and the old one is dropped.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, ensureDockerd } from './docker.js';
import { stateDir, testbedSrcDir } from './paths.js';

const RECIPE = join(testbedSrcDir, 'debian-image.sh');
export const IMAGE_REPO = 'fleetdeck-testbed/debian';

export function debianImageTag(): string {
  const hash = createHash('sha256').update(readFileSync(RECIPE)).digest('hex').slice(0, 12);
  return `${IMAGE_REPO}:bookworm-${hash}`;
}

/** Returns the image tag, building the image first if this machine lacks it. */
export async function ensureDebianImage(log: (s: string) => void = () => {}): Promise<string> {
  await ensureDockerd(log);
  const tag = debianImageTag();
  if ((await docker(['image', 'inspect', '--format', '{{.Id}}', tag])).code === 0) return tag;
  if (process.getuid?.() !== 0) throw new Error(`image ${tag} missing and building it needs root (debootstrap)`);

  mkdirSync(stateDir, { recursive: true });
  const logPath = join(stateDir, 'image-build.log');
  log(`building ${tag} with debootstrap (log: ${logPath}); this takes a minute or two once per machine`);
  const started = Date.now();
  const out = createWriteStream(logPath);
  // flock: parallel test processes wait for one build instead of running two debootstraps;
  // the script re-checks for the image after taking the lock.
  const child = spawn('flock', [join(stateDir, 'image.lock'), 'bash', RECIPE, tag], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  out.end();
  if (code !== 0) {
    const tail = readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`building ${tag} failed (exit ${code}); end of ${logPath}:\n${tail}`);
  }
  log(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return tag;
}
