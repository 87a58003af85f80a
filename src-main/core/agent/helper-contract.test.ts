import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../../src-common/inventory/inventory.schema.js';
import { probeSchema } from '../../../src-common/inventory/probe.schema.js';
import { HELPER_METHODS } from '../../../src-common/protocol/helper-methods.js';
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
  it('starts with an init message carrying version, capabilities and its own content hash', async () => {
    const helper = await startLocalHelper();
    try {
      expect(helper.init.version).toBe(1);
      expect(helper.init.helperHash).toBe(loadAssets().helperHash);
      expect(helper.init.capabilities).toContain('probe1');
      expect(await helper.call(HELPER_METHODS.ping)).toHaveProperty('now');
    } finally {
      helper.close();
    }
  });

  it('answers probe and inventory with schema-valid results', async () => {
    const helper = await startLocalHelper();
    try {
      const probe = probeSchema.parse(await helper.call(HELPER_METHODS.probe));
      expect(probe.os.id).toBe('debian');
      expect(probe.libc.kind).toBe('glibc');
      const inv = inventorySchema.parse(await helper.call(HELPER_METHODS.inventorySnapshot));
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
      const probe = probeSchema.parse(await helper.call(HELPER_METHODS.probe));
      expect(probe.os).toMatchObject({ id: 'rocky', family: 'rhel', versionId: '9.3' });
    } finally {
      helper.close();
    }
  });

  it('fails a pending call with "disconnected" when the helper crashes mid-call', async () => {
    const helper = await startLocalHelper({ debug: true });
    const err = (await helper.call(HELPER_METHODS.debugCrash).catch((e: unknown) => e)) as { problem: string; message: string };
    expect(err).toMatchObject({ problem: 'disconnected' });
    expect(err.message).toMatch(/exit code 70/);
    expect(helper.isClosed).toBe(true);
    await expect(helper.call(HELPER_METHODS.ping)).rejects.toMatchObject({ problem: 'disconnected' });
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
      await expect(helper.call(HELPER_METHODS.debugSleep, { ms: 10_000 }, { timeoutMs: 200 })).rejects.toMatchObject({ problem: 'timeout' });
      expect(await helper.call(HELPER_METHODS.ping)).toHaveProperty('now');
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
      const ch = helper.open(HELPER_METHODS.debugStream, { bytes: 32 * 1024 * 1024 }, {
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
