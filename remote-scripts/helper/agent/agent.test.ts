import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helperApi, helperChannels } from '../../../src-common/protocol/helper-api.js';
import { sampleSchema } from '../../../src-common/monitor/sample.schema.js';
import { HelperClient } from '../../../src-main/core/agent/helper-client.js';
import { socketTransport } from '../../../src-main/core/agent/local-helper.js';
import { createContext } from '../context.js';
import { Agent } from './agent.js';

/**
 * The resident agent on this machine, for real: its socket (mode and group), the init it sends,
 * what it serves and what it refuses (changes, file reads), the live stream from its one sampler,
 * and its buffer read back through agent.history1. Live on the systemd testbed host, installed
 * by the agent module and reached through SSH: e2e/integration/modules/agent.test.ts.
 */
const isRoot = process.getuid?.() === 0;
let dir: string;
let agent: Agent;
const connect = () => {
  const sock = net.connect(path.join(dir, 'agent.sock'));
  return HelperClient.start(socketTransport(sock), { label: 'agent' });
};

describe.runIf(isRoot)('the resident agent on a Unix socket', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fd-agent-'));
    agent = new Agent(createContext('/'), { socket: path.join(dir, 'agent.sock'), dataDir: path.join(dir, 'data'), group: 'root', hash: 'a'.repeat(64), user: 'root', intervalMs: 250 });
    await agent.start();
  });
  afterAll(() => {
    agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on a socket only root and its group may open, and says it is the agent', async () => {
    const st = statSync(path.join(dir, 'agent.sock'));
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.uid).toBe(0);
    const c = await connect();
    expect(c.init).toMatchObject({ helperHash: 'a'.repeat(64), capabilities: expect.arrayContaining(['agent1', 'inventory.snapshot1', 'agent.history1']) });
    expect(c.init.capabilities).not.toContain('change.read1');
    c.close();
  });

  it('serves what reads the host, refuses changes and file reads', async () => {
    const c = await connect();
    expect((await c.request(helperApi.probe, {})).os.name).toBeTruthy();
    await expect(c.request(helperApi.changeRead, { backend: 'none', manager: 'none', resources: [{ kind: 'file', path: '/etc/shadow', content: null }] })).rejects.toMatchObject({ problem: 'not-found', message: expect.stringMatching(/does not serve "change\.read1": changes and file reads go to the per-connection helper/) });
    c.close();
  });

  it('streams live samples from its one sampler, and gives back what its buffer kept', async () => {
    const c = await connect();
    const live: string[] = [];
    const h = c.open(helperChannels.metricsStream, {}, { onData: (b) => void live.push(...Buffer.from(b).toString('utf8').split('\n').filter(Boolean)) });
    await expect.poll(() => live.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    h.close();
    expect(sampleSchema.safeParse(JSON.parse(live[0]!)).success).toBe(true);
    const status = await c.request(helperApi.agentStatus, {});
    expect(status.newest).toBeGreaterThan(status.oldest!);
    const kept: string[] = [];
    await c.open(helperChannels.agentHistory, { since: 0 }, { onData: (b) => void kept.push(...Buffer.from(b).toString('utf8').split('\n').filter(Boolean)) }).finished;
    expect(kept.length).toBeGreaterThanOrEqual(live.length);
    const first = JSON.parse(kept[0]!);
    expect(sampleSchema.safeParse(first).success).toBe(true);
    expect(first.processes).toEqual([]);
    // Many clients asking at once are served one after another (bounded memory), each in full.
    const clients = await Promise.all(Array.from({ length: 6 }, () => connect()));
    const counts = await Promise.all(
      clients.map(async (k) => {
        let n = 0;
        await k.open(helperChannels.agentHistory, { since: 0 }, { onData: (b) => void (n += Buffer.from(b).toString('utf8').split('\n').filter(Boolean).length) }).finished;
        k.close();
        return n;
      }),
    );
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(kept.length);
    c.close();
  });
});
