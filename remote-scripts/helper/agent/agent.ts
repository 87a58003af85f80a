import { chmodSync, chownSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { ChannelSink } from '../../../src-common/protocol/endpoint.js';
import { ProtocolEndpoint } from '../../../src-common/protocol/endpoint.js';
import { helperApi, helperChannels } from '../../../src-common/protocol/helper-api.js';
import { PROTOCOL_VERSION } from '../../../src-common/protocol/messages.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import type { HelperContext } from '../context.js';
import { createDispatcher } from '../dispatch.js';
import { nextTick, sleep } from '../monitor/metrics-stream.js';
import { Sampler } from '../monitor/sampler.js';
import { primeCpu } from '../inventory/collect-cpu-memory.js';
import { SampleBuffer } from './sample-buffer.js';
import { parseGroup } from '../inventory/local-users.js';
import { inventorySnapshot } from '../inventory/snapshot.js';
import type { Inventory } from '../../../src-common/inventory/inventory.schema.js';

/** How often the agent reads the inventory it keeps for connects. */
const INVENTORY_EVERY_MS = 60_000;
/** With nobody connected the kept inventory is refreshed this seldom; a connection starts a refresh as it opens. */
export const QUIET_INVENTORY_MS = 10 * 60_000;
/** While no client streams, the per-process walk runs this often (sampler.ts: processEveryMs); every second while one does. */
export const QUIET_WALK_MS = 10_000;

/**
 * The resident agent (`helper.cjs --agent`): the helper as a service. It samples at 1 Hz all the
 * time, keeps what history and per-user usage need in its on-disk buffer (sample-buffer.ts), and
 * answers on a Unix socket that only root and one group (the admins chosen at install) may open:
 * Fleetdeck reaches it through the SSH connection (stream-local forwarding), no TCP port.
 *
 * It serves what reads the host (probe, inventory, process details, the live stream, its buffer),
 * never what changes it or reads arbitrary files: those go to the per-connection root helper,
 * started with sudo as before. So the socket's group gets the agent's view of the host (what
 * every process runs and uses), not root.
 */
export const AGENT_CALLS: ReadonlySet<string> = new Set([helperApi.ping.method, helperApi.probe.method, helperApi.inventorySnapshot.method, helperApi.processInspect.method, helperApi.agentStatus.method]);
export const AGENT_CHANNELS: ReadonlySet<string> = new Set([helperChannels.metricsStream.method, helperChannels.agentHistory.method]);
export const AGENT_CAPABILITIES = [...AGENT_CALLS, ...AGENT_CHANNELS, 'channels1', 'agent1'];

export interface AgentOptions {
  socket: string;
  dataDir: string;
  /** The group whose members may open the socket (root always can). */
  group: string | null;
  hash: string;
  user: string;
  intervalMs?: number;
  keepHours?: number;
}

/** A sample as the buffer keeps it: processes and filesystems left out (history and usage do not read them). */
export function forHistory(s: Sample): Sample {
  return { ...s, processes: [], filesystems: [] };
}

export class Agent {
  readonly buffer: SampleBuffer;
  private readonly listeners = new Set<(line: string) => void>();
  private readonly startedAt = Date.now();
  private server: net.Server | null = null;
  private stopped = new AbortController();
  private inv: Inventory | null = null;
  private invReading: Promise<Inventory> | null = null;
  private lastSample: Sample | null = null;
  private clients = 0;
  private historyTurn: Promise<void> = Promise.resolve();
  readonly intervalMs: number;

  constructor(
    private readonly ctx: HelperContext,
    private readonly opts: AgentOptions,
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.buffer = new SampleBuffer(path.join(opts.dataDir, 'samples'), opts.keepHours ? { keepMs: opts.keepHours * 3_600_000 } : {});
  }

  async start(): Promise<void> {
    this.buffer.open();
    await this.listen();
    void this.sampleLoop();
  }

  /** 1 Hz for as long as the agent runs; a tick missed while a sample was slow is skipped, never replayed. */
  private async sampleLoop(): Promise<void> {
    const sampler = new Sampler(this.ctx, { gpuWaitMs: Math.min(800, Math.round(this.intervalMs * 0.8)) });
    await sampler.sample().catch(() => undefined);
    let next = Date.now() + this.intervalMs;
    const signal = this.stopped.signal;
    while (!signal.aborted) {
      await sleep(next - Date.now(), signal);
      if (signal.aborted) return;
      try {
        sampler.processEveryMs = this.listeners.size > 0 ? 0 : QUIET_WALK_MS;
        const sample = await sampler.sample();
        this.lastSample = sample;
        this.refreshInventoryOlderThan(this.clients > 0 ? INVENTORY_EVERY_MS : QUIET_INVENTORY_MS);
        // An inventory asked now measures CPU from this second's /proc/stat, no wait and no second read.
        if (sampler.lastStat) void primeCpu(this.ctx, sampler.lastStat);
        this.buffer.append(sample.t, JSON.stringify(forHistory(sample)));
        if (this.listeners.size > 0) {
          const line = JSON.stringify(sample);
          for (const l of this.listeners) l(line);
        }
      } catch (err) {
        process.stderr.write(`fleetdeck-agent: a sample failed: ${(err as Error).message}\n`);
      }
      next = nextTick(next + this.intervalMs, Date.now(), this.intervalMs);
    }
  }

  private async listen(): Promise<void> {
    try {
      unlinkSync(this.opts.socket);
    } catch {
      /* none left over */
    }
    const server = net.createServer((conn) => this.serve(conn));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Nobody but root may connect until the mode and group are set.
      const old = process.umask(0o177);
      server.listen(this.opts.socket, () => {
        process.umask(old);
        resolve();
      });
    });
    const gid = this.opts.group ? (parseGroup((await this.ctx.readText('/etc/group')) ?? '').find((g) => g.name === this.opts.group)?.gid ?? null) : null;
    if (this.opts.group && gid === null) throw new Error(`the group ${this.opts.group} does not exist`);
    if (gid !== null) {
      chownSync(this.opts.socket, 0, gid);
      chmodSync(this.opts.socket, 0o660);
    }
    this.server = server;
  }

  private serve(conn: net.Socket): void {
    this.clients++;
    conn.once('close', () => this.clients--);
    // The client's first read is most likely the inventory: an old one is refreshed while the handshake runs.
    this.refreshInventoryOlderThan(INVENTORY_EVERY_MS);
    const dispatcher = createDispatcher(this.ctx, false, undefined, {
      status: async () => {
        const b = this.buffer.status();
        return { startedAt: this.startedAt, intervalMs: this.intervalMs, oldest: b.oldest, newest: b.newest, bufferBytes: b.bytes, bufferFiles: b.files, dataDir: this.opts.dataDir, keepHours: Math.round(this.buffer.keepMs / 3_600_000) };
      },
      history: (p, sink) => this.history(p, sink),
      stream: (p, sink) => this.stream(p, sink),
      inventory: (p) => this.inventory(p),
    });
    const write = (bytes: Uint8Array) => {
      if (!conn.destroyed) conn.write(bytes);
    };
    const endpoint = new ProtocolEndpoint(
      write,
      {
        call: (method, params, signal) => {
          if (!AGENT_CALLS.has(method)) throw new FleetdeckError('not-found', `The agent does not serve "${method.slice(0, 100)}": changes and file reads go to the per-connection helper.`);
          return dispatcher.call(method, params, signal);
        },
        open: (method, params, sink) => {
          if (!AGENT_CHANNELS.has(method)) throw new FleetdeckError('not-found', `The agent does not serve the channel "${method.slice(0, 100)}".`);
          return dispatcher.open(method, params, sink);
        },
        closed: () => conn.destroy(),
      },
      'h',
    );
    conn.on('data', (chunk: Buffer) => endpoint.receive(chunk));
    conn.on('close', () => endpoint.shutdown({ problem: 'disconnected', message: 'the client left' }));
    conn.on('error', () => conn.destroy());
    endpoint.sendControl({ command: 'init', version: PROTOCOL_VERSION, helperHash: this.opts.hash, capabilities: AGENT_CAPABILITIES, pid: process.pid, uid: this.ctx.uid, user: this.opts.user, node: process.version });
  }

  /**
   * The buffer since `since`, in chunks of lines (flow-controlled by the channel's window), one
   * client at a time: a reader holds an hour of samples decompressed (about 5 MB), and fifty hosts'
   * worth of Fleetdeck reconnecting at once must queue, not take the agent past its heap.
   */
  private async history(p: { since: number; until?: number }, sink: ChannelSink): Promise<void> {
    const before = this.historyTurn;
    let release!: () => void;
    this.historyTurn = new Promise<void>((r) => (release = r));
    try {
      await before;
      if (!sink.signal.aborted) await this.sendHistory(p, sink);
    } finally {
      release();
    }
  }

  private async sendHistory(p: { since: number; until?: number }, sink: ChannelSink): Promise<void> {
    let chunk: string[] = [];
    let bytes = 0;
    for (const l of this.buffer.read(p.since, p.until)) {
      if (sink.signal.aborted) return;
      chunk.push(l.json);
      bytes += l.json.length + 1;
      if (bytes >= 128 * 1024) {
        await sink.send(`${chunk.join('\n')}\n`);
        chunk = [];
        bytes = 0;
      }
    }
    if (chunk.length && !sink.signal.aborted) await sink.send(`${chunk.join('\n')}\n`);
  }

  /** The live stream from the one sampler: the newest sample while the consumer keeps up, none queued. */
  private stream(p: { intervalMs?: number }, sink: ChannelSink): Promise<void> {
    const every = Math.max(1, Math.round((p.intervalMs ?? this.intervalMs) / this.intervalMs));
    let n = 0;
    let busy = false;
    return new Promise<void>((resolve) => {
      const listener = (line: string) => {
        if (n++ % every !== 0 || busy || sink.signal.aborted) return;
        busy = true;
        sink.send(`${line}\n`).then(
          () => (busy = false),
          () => (busy = false),
        );
      };
      this.listeners.add(listener);
      sink.signal.addEventListener('abort', () => {
        this.listeners.delete(listener);
        resolve();
      }, { once: true });
    });
  }

  /**
   * The inventory it keeps (read at start, once a minute while anyone is connected, every ten
   * minutes otherwise, and as a connection opens when it is over a minute old), when it is at most
   * maxAgeMs old, with CPU usage from the last second's sample; else the read under way or one now.
   * So a connect's first inventory costs little or no collection, and Refresh (no maxAgeMs) still
   * reads the host afresh.
   */
  private inventory(p: { maxAgeMs?: number }): Promise<Inventory> {
    const kept = this.inv;
    if (kept && Date.now() - kept.takenAt <= (p.maxAgeMs ?? 0)) {
      const s = this.lastSample;
      return Promise.resolve(s ? { ...kept, cpu: { ...kept.cpu, usagePercent: s.cpu.totalPercent, perCpuUsagePercent: s.cpu.perCorePercent } } : kept);
    }
    return this.readInventory();
  }

  /** Starts a read in the background when the kept inventory is older than ageMs (or there is none) and none is under way. */
  private refreshInventoryOlderThan(ageMs: number): void {
    if (!this.invReading && (!this.inv || Date.now() - this.inv.takenAt > ageMs)) void this.readInventory().catch(() => undefined);
  }

  private readInventory(): Promise<Inventory> {
    this.invReading ??= inventorySnapshot(this.ctx)
      .then((v) => (this.inv = v))
      .finally(() => (this.invReading = null));
    return this.invReading;
  }

  stop(): void {
    this.stopped.abort();
    this.server?.close();
    this.buffer.close();
  }
}
