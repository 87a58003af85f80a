import type { HelperContext } from '../context.js';

/**
 * Talking to a Docker-compatible Engine API over its unix socket, through the HelperContext so
 * tests can answer with fixtures. Failures are classified because each needs a different fix:
 * no socket (not installed or not running), permission denied (group membership), timeout.
 */

export type DockerFailure = 'missing' | 'not-running' | 'denied' | 'timeout' | 'error';

export type DockerResult<T> = { ok: true; value: T } | { ok: false; failure: DockerFailure; message: string };

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** DOCKER_HOST=unix:///path wins (rootless Docker sets it); tcp:// hosts are not reachable this way. */
export function dockerSocketCandidates(env: NodeJS.ProcessEnv, uid: number): string[] {
  const out: string[] = [];
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) out.push(host.slice('unix://'.length));
  out.push(DEFAULT_DOCKER_SOCKET, '/run/docker.sock');
  if (uid > 0) out.push(`/run/user/${uid}/docker.sock`);
  return [...new Set(out)];
}

export async function findDockerSocket(ctx: HelperContext): Promise<string | null> {
  for (const candidate of dockerSocketCandidates(ctx.live ? ctx.env : {}, ctx.uid)) {
    if (await ctx.exists(candidate)) return candidate;
  }
  return null;
}

export async function dockerGetJson(ctx: HelperContext, socketPath: string, urlPath: string, timeoutMs = 2000): Promise<DockerResult<unknown>> {
  if (!ctx.httpGetUnix) return { ok: false, failure: 'error', message: 'this helper context cannot open unix sockets' };
  const res = await ctx.httpGetUnix(socketPath, urlPath, { timeoutMs });
  if (!res.ok) {
    if (res.code === 'EACCES' || res.code === 'EPERM') return { ok: false, failure: 'denied', message: `permission denied on ${socketPath}` };
    if (res.code === 'ENOENT') return { ok: false, failure: 'missing', message: `${socketPath} does not exist` };
    if (res.code === 'ECONNREFUSED') return { ok: false, failure: 'not-running', message: `nothing is listening on ${socketPath}` };
    if (res.code === 'ETIMEDOUT') return { ok: false, failure: 'timeout', message: `${socketPath} did not answer GET ${urlPath} within ${timeoutMs} ms` };
    return { ok: false, failure: 'error', message: `GET ${urlPath} on ${socketPath}: ${res.message}` };
  }
  if (res.status < 200 || res.status >= 300) return { ok: false, failure: 'error', message: `GET ${urlPath} on ${socketPath} answered HTTP ${res.status}: ${res.body.slice(0, 200).trim()}` };
  try {
    return { ok: true, value: JSON.parse(res.body) as unknown };
  } catch {
    return { ok: false, failure: 'error', message: `GET ${urlPath} on ${socketPath} did not return JSON` };
  }
}

/** The login name for uid, for messages like "add bob to the docker group"; falls back to the uid. */
export async function userName(ctx: HelperContext): Promise<string> {
  const passwd = await ctx.readText('/etc/passwd');
  const line = passwd?.split('\n').find((l) => l.split(':')[2] === String(ctx.uid));
  return line?.split(':')[0] || (ctx.live ? ctx.env.USER : undefined) || `uid ${ctx.uid}`;
}

/** The advice for a failure, phrased for the person running Fleetdeck. */
export function dockerAdvice(failure: DockerFailure, socketPath: string, user: string): string {
  switch (failure) {
    case 'denied':
      return `Docker is installed but ${socketPath} is not accessible to user ${user}: add ${user} to the docker group (sudo usermod -aG docker ${user}, then reconnect) or connect with sudo`;
    case 'not-running':
      return `Docker is installed but its daemon is not running (${socketPath} refuses connections): start it with "sudo systemctl start docker"`;
    case 'missing':
      return `Docker's socket ${socketPath} is missing: start the daemon with "sudo systemctl start docker"`;
    case 'timeout':
      return `Docker did not answer on ${socketPath} within the time limit: the daemon may be hung; check "systemctl status docker"`;
    default:
      return `Docker on ${socketPath} could not be queried`;
  }
}
