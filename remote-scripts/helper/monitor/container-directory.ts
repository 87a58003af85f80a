import type { HelperContext } from '../context.js';
import { containersFromList } from '../inventory/docker-api.js';
import { dockerAdvice, dockerGetJson, findDockerSocket, userName } from '../inventory/docker-client.js';

export interface ContainerInfo {
  name: string;
  labels: Record<string, string>;
}

export interface ContainerLookup {
  /** By full 64-hex id, for the containers Docker listed. */
  containers: Map<string, ContainerInfo>;
  /** Why names and labels are missing, with the fix; null when Docker answered (or was not needed). */
  note: string | null;
}

/** Names and labels change rarely; asking dockerd every second would load it for nothing. */
const TTL_MS = 10_000;
/** A container that started since the last listing is looked up sooner, but not more often than this. */
const UNKNOWN_RETRY_MS = 2_000;

/**
 * Container names and labels from the Docker Engine API (GET /containers/json, running ones),
 * cached for ~10 s. Docker is only asked when a process actually runs in a container.
 */
export class ContainerDirectory {
  private cache = new Map<string, ContainerInfo>();
  private note: string | null = null;
  private fetchedAt = -Infinity;

  constructor(
    private readonly ctx: HelperContext,
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(ids: readonly string[]): Promise<ContainerLookup> {
    if (ids.length === 0 || !this.ctx.live) return { containers: new Map(), note: null };
    const age = this.now() - this.fetchedAt;
    const unknown = ids.some((id) => !this.cache.has(id));
    if (age >= TTL_MS || (unknown && age >= UNKNOWN_RETRY_MS)) await this.fetch();
    return { containers: this.cache, note: this.note };
  }

  private async fetch(): Promise<void> {
    this.fetchedAt = this.now();
    const socket = await findDockerSocket(this.ctx);
    if (socket === null) {
      this.note = `container names and owner labels are not shown: ${dockerAdvice('missing', '/var/run/docker.sock', await userName(this.ctx))}`;
      return;
    }
    const list = await dockerGetJson(this.ctx, socket, '/containers/json', 3000);
    if (!list.ok) {
      const advice = list.failure === 'error' ? list.message : dockerAdvice(list.failure, socket, await userName(this.ctx));
      // Keep the names we had: a dockerd hiccup should not blank the container column.
      this.note = `container names and owner labels may be out of date: ${advice}`;
      return;
    }
    this.cache = new Map(containersFromList(list.value).map((c) => [c.id, { name: c.name, labels: c.labels }]));
    this.note = null;
  }
}
