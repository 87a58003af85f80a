import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { HelperContext } from '../context.js';
import { dockerAdvice, dockerGetJson, findDockerSocket, userName } from '../inventory/docker-client.js';
import { findBinary } from './find-binary.js';

type Runtime = Probe['containerRuntimes'][number];

/** GET /info answers the same shape on Docker and on Podman's Docker-compatible API. */
function fromInfo(info: unknown): { version: string | null; cgroupDriver: string | null } {
  const o = info !== null && typeof info === 'object' ? (info as Record<string, unknown>) : {};
  return {
    version: typeof o.ServerVersion === 'string' ? o.ServerVersion : null,
    cgroupDriver: typeof o.CgroupDriver === 'string' ? o.CgroupDriver : null,
  };
}

async function probeDocker(ctx: HelperContext, warnings: string[]): Promise<Runtime> {
  const socket = await findDockerSocket(ctx);
  const binary = (await findBinary(ctx, 'dockerd')) ?? (await findBinary(ctx, 'docker'));
  const runtime: Runtime = { name: 'docker', present: socket !== null || binary !== null, accessible: false, cgroupDriver: null, version: null };
  if (!runtime.present || !ctx.live) return runtime;
  if (socket === null) {
    warnings.push(dockerAdvice('missing', '/var/run/docker.sock', await userName(ctx)));
    return runtime;
  }
  const info = await dockerGetJson(ctx, socket, '/info', 2000);
  if (!info.ok) {
    warnings.push(info.failure === 'error' ? `Docker: ${info.message}` : dockerAdvice(info.failure, socket, await userName(ctx)));
    return runtime;
  }
  return { ...runtime, accessible: true, ...fromInfo(info.value) };
}

/** Podman has no daemon: its API socket exists only when podman.socket is enabled, so the CLI is the fallback. */
async function probePodman(ctx: HelperContext, warnings: string[]): Promise<Runtime> {
  const sockets = ['/run/podman/podman.sock', ...(ctx.uid > 0 ? [`/run/user/${ctx.uid}/podman/podman.sock`] : [])];
  let socket: string | null = null;
  for (const s of sockets) if (!socket && (await ctx.exists(s))) socket = s;
  const binary = await findBinary(ctx, 'podman');
  const runtime: Runtime = { name: 'podman', present: socket !== null || binary !== null, accessible: false, cgroupDriver: null, version: null };
  if (!runtime.present || !ctx.live) return runtime;
  if (socket) {
    const info = await dockerGetJson(ctx, socket, '/info', 2000);
    if (info.ok) return { ...runtime, accessible: true, ...fromInfo(info.value) };
  }
  if (!binary) return runtime;
  const version = await ctx.run(['podman', 'version', '--format', '{{.Client.Version}}'], { timeoutMs: 5000 });
  if (version.code !== 0) {
    warnings.push(`Podman is installed but "podman version" failed for this user: ${(version.stderr.trim().split('\n')[0] ?? '') || 'no output'}`);
    return runtime;
  }
  const manager = await ctx.run(['podman', 'info', '--format', '{{.Host.CgroupManager}}'], { timeoutMs: 5000 });
  return { ...runtime, accessible: true, version: version.stdout.trim() || null, cgroupDriver: manager.code === 0 ? manager.stdout.trim() || null : null };
}

export async function detectContainerRuntimes(ctx: HelperContext): Promise<{ runtimes: Runtime[]; warnings: string[] }> {
  const warnings: string[] = [];
  const runtimes = await Promise.all([probeDocker(ctx, warnings), probePodman(ctx, warnings)]);
  return { runtimes, warnings };
}
