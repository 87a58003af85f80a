import type { Container } from '../../../src-common/inventory/inventory.schema.js';
import type { HelperContext } from '../context.js';
import { containersFromList, withInspect } from './docker-api.js';
import { findBinary } from '../probe/find-binary.js';
import { dockerAdvice, dockerGetJson, findDockerSocket, userName } from './docker-client.js';
import { failedSection, okSection, type SectionResult } from './section.js';

/** Inspecting hundreds of containers one at a time is slow, all at once floods dockerd. */
const INSPECT_CONCURRENCY = 8;

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function collectContainers(ctx: HelperContext): Promise<SectionResult<Container[]>> {
  if (!ctx.live) return okSection([], 'containers not queried: a --root directory has no running Docker');
  const socket = await findDockerSocket(ctx);
  if (socket === null) {
    const installed = (await findBinary(ctx, 'dockerd')) ?? (await findBinary(ctx, 'docker'));
    return installed === null ? okSection([], 'Docker not installed') : failedSection([], dockerAdvice('missing', '/var/run/docker.sock', await userName(ctx)));
  }
  const list = await dockerGetJson(ctx, socket, '/containers/json?all=1', 5000);
  if (!list.ok) return failedSection([], list.failure === 'error' ? list.message : dockerAdvice(list.failure, socket, await userName(ctx)));
  const containers = containersFromList(list.value);
  let inspectFailures = 0;
  const detailed = await mapLimited(containers, INSPECT_CONCURRENCY, async (c) => {
    const inspect = await dockerGetJson(ctx, socket, `/containers/${encodeURIComponent(c.id)}/json`, 3000);
    if (inspect.ok) return withInspect(c, inspect.value);
    inspectFailures++;
    return c;
  });
  return inspectFailures > 0
    ? okSection(detailed, `${inspectFailures} of ${containers.length} containers could not be inspected: their limits are shown as unlimited`)
    : okSection(detailed);
}
