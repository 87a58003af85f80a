import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { inventorySchema } from '../../../src-common/inventory/inventory.schema.js';
import { probeSchema } from '../../../src-common/inventory/probe.schema.js';
import { HELPER_CAPABILITIES, helperApi, helperChannels, helperDebugApi, helperDebugChannels } from '../../../src-common/protocol/helper-api.js';
import { loadAssets, projectRoot } from './assets.js';
import { HelperClient } from './helper-client.js';
import { childTransport, startLocalHelper } from './local-helper.js';

/**
 * Contract tests: the core's HelperClient against the real bundled helper in a child process,
 * speaking real frames over pipes — the same bytes that cross an SSH exec channel.
 */
const root = projectRoot();
beforeAll(() => {
  if (!existsSync(path.join(root, 'out/helper/helper.cjs'))) {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/build-helper.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('helper build failed');
  }
  loadAssets(true);
}, 60_000);

describe('helper contract', () => {
  it('announces exactly the declared methods and channels, and no method string is written outside the declarations', async () => {
    const helper = await startLocalHelper();
    try {
      expect([...helper.init.capabilities].sort()).toEqual([...HELPER_CAPABILITIES].sort());
    } finally {
      helper.close();
    }
    const declared = [...Object.values(helperApi), ...Object.values(helperChannels), ...Object.values(helperDebugApi), ...Object.values(helperDebugChannels)].map((d) => d.method);
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(e.name) && !/\.test(-util)?\.tsx?$/.test(e.name) && !p.endsWith(path.join('protocol', 'helper-api.ts'))) {
          const text = readFileSync(p, 'utf8');
          for (const m of declared) if (text.includes(`'${m}'`) || text.includes(`"${m}"`)) offenders.push(`${path.relative(root, p)}: ${m}`);
        }
      }
    };
    for (const d of ['src-common', 'src-main', 'src-renderer', 'remote-scripts', 'bench']) walk(path.join(root, d));
    expect(offenders).toEqual([]);
  });

  it('answers an undeclared method with not-found, and checks params before any handler runs', async () => {
    const helper = await startLocalHelper();
    try {
      await expect(helper.request({ ...helperApi.ping, method: 'nope.method1' }, {})).rejects.toMatchObject({ problem: 'not-found' });
      // The core checks params too; a helper that got bad ones anyway (an old or odd core) refuses them.
      await expect(helper.request({ ...helperApi.processInspect, params: z.unknown() }, { pid: 'a;rm' })).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(/^process\.inspect1: pid/) });
    } finally {
      helper.close();
    }
  });

  it('starts with an init message carrying version, capabilities and its own content hash', async () => {
    const helper = await startLocalHelper();
    try {
      expect(helper.init.version).toBe(1);
      expect(helper.init.helperHash).toBe(loadAssets().helperHash);
      expect(helper.init.capabilities).toContain('probe1');
      expect(await helper.request(helperApi.ping, {})).toHaveProperty('now');
    } finally {
      helper.close();
    }
  });

  it('answers probe and inventory with schema-valid results', async () => {
    const helper = await startLocalHelper();
    try {
      const probe = probeSchema.parse(await helper.request(helperApi.probe, {}));
      expect(probe.os.id).toBe('debian');
      expect(probe.libc.kind).toBe('glibc');
      const inv = inventorySchema.parse(await helper.request(helperApi.inventorySnapshot, {}));
      expect(inv.memory.totalBytes).toBeGreaterThan(0);
      expect(inv.cpu.threads).toBeGreaterThan(0);
    } finally {
      helper.close();
    }
  });

  it('reads another root with --root (os-release fixtures)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-root-'));
    mkdirSync(path.join(dir, 'etc'));
    copyFileSync(path.join(root, 'test/fixtures/shared/os-release/rocky-9.3'), path.join(dir, 'etc/os-release'));
    const helper = await startLocalHelper({ root: dir });
    try {
      const probe = probeSchema.parse(await helper.request(helperApi.probe, {}));
      expect(probe.os).toMatchObject({ id: 'rocky', family: 'rhel', versionId: '9.3' });
    } finally {
      helper.close();
    }
  });

  it('fails a pending call with "disconnected" when the helper crashes mid-call', async () => {
    const helper = await startLocalHelper({ debug: true });
    const err = (await helper.request(helperDebugApi.crash, {}).catch((e: unknown) => e)) as { problem: string; message: string };
    expect(err).toMatchObject({ problem: 'disconnected' });
    expect(err.message).toMatch(/exit code 70/);
    expect(helper.isClosed).toBe(true);
    await expect(helper.request(helperApi.ping, {})).rejects.toMatchObject({ problem: 'disconnected' });
  });

  it('the helper closes on a malformed frame instead of guessing', async () => {
    const assets = loadAssets();
    const child = spawn(process.execPath, [assets.helperPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    const transport = childTransport(child);
    const helper = await HelperClient.start(transport, { label: 'test', expectedHash: assets.helperHash });
    const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const closed = new Promise((r) => helper.onClosed(r));
    child.stdin!.write('this is not a frame\n');
    expect(await exit).toBe(65);
    await closed;
    expect(helper.isClosed).toBe(true);
  });

  it('the core refuses a peer that sends garbage', async () => {
    const child = spawn(process.execPath, ['-e', 'process.stdout.write("HTTP/1.1 400 Bad\\r\\n"); setTimeout(() => {}, 5000)'], { stdio: ['pipe', 'pipe', 'pipe'] });
    await expect(HelperClient.start(childTransport(child), { label: 'garbage', initTimeoutMs: 3000 })).rejects.toMatchObject({ problem: 'protocol-error' });
    child.kill();
  });

  it('refuses a helper whose content hash differs (stale build), never talks to it', async () => {
    const assets = loadAssets();
    const child = spawn(process.execPath, [assets.helperPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    await expect(HelperClient.start(childTransport(child), { label: 'stale', expectedHash: 'f'.repeat(64) })).rejects.toMatchObject({
      problem: 'protocol-error',
      details: { staleHelper: true },
    });
    child.kill();
  });

  it('times out a call and cancels it on the helper', async () => {
    const helper = await startLocalHelper({ debug: true });
    try {
      await expect(helper.request(helperDebugApi.sleep, { ms: 10_000 }, { timeoutMs: 200 })).rejects.toMatchObject({ problem: 'timeout' });
      expect(await helper.request(helperApi.ping, {})).toHaveProperty('now');
    } finally {
      helper.close();
    }
  });

  it('streams 32 MiB to a slow consumer; the sender never runs more than a window ahead', async () => {
    const helper = await startLocalHelper({ debug: true });
    const window = 256 * 1024;
    try {
      let received = 0;
      let maxAhead = 0;
      const ch = helper.open(helperDebugChannels.stream, { bytes: 32 * 1024 * 1024 }, {
        window,
        onData: async (d) => {
          const sentBefore = Number(new TextDecoder().decode(d.subarray(0, 16)).trim());
          maxAhead = Math.max(maxAhead, sentBefore - received);
          received += d.length;
          if (received % (1024 * 1024) === 0) await new Promise((r) => setTimeout(r, 2)); // a slow consumer
        },
      });
      await ch.finished;
      expect(received).toBe(32 * 1024 * 1024);
      expect(maxAhead).toBeLessThanOrEqual(window);
    } finally {
      helper.close();
    }
  });

  it('the bundle stays within its size budget', () => {
    expect(readFileSync(loadAssets().helperPath).length).toBeLessThan(400 * 1024);
  });
});
