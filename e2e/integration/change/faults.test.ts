import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ApplyResult } from '../../../src-common/change/modules.contract.js';
import type { JournalEvent } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { toProblem } from '../../../src-common/problems.js';
import { ChangeService } from '../../../src-main/core/change/change-service.js';
import { ChangeStore } from '../../../src-main/core/change/change-store.js';
import { sessionTarget, type ChangeTarget } from '../../../src-main/core/change/change-target.js';
import { defineModule, type ChangeModule } from '../../../src-main/core/change/module.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, type DebianHost } from '../../testbed/debian-host.js';
import { testbedUnavailableReason } from '../../testbed/index.js';
import { addHost, connectTrusting } from '../harness.js';

/**
 * The change engine under faults, on a live systemd Debian host: each fault ends in a stated,
 * recoverable state with nothing lost (issue 10, "Bad input and faults"):
 *   - the link cut in the middle of a step: the host finishes that step and stops at the
 *     boundary; the journal says interrupted; resume finishes the change, and (a second time)
 *     rollback puts the host back;
 *   - the root helper killed (SIGKILL) in the middle of a step: the journal says so; resume;
 *   - a wrong sudo password: refused with what to do, nothing changed, no journal;
 *   - a stale plan (a file edited after the plan was shown): change-conflict, nothing changed;
 *   - a full disk (a 64 KiB tmpfs): the write fails with ENOSPC, no temp file is left, the
 *     journal says which step, rollback restores;
 *   - a service that fails to start: the step fails with systemd's own account of why, and
 *     rollback removes it.
 * The module is a test module (files, a slow command, a unit) so each fault can be placed.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

const DIR = '/etc/fleetdeck-fault';
const MARK = '/var/lib/fleetdeck-fault';
const FULL = '/srv/fleetdeck-full';

interface FaultSettings {
  slowSeconds: number;
  unit: 'ok' | 'fails' | 'none';
  big: boolean;
  name: string;
}

const faultModule = defineModule<FaultSettings>({
  info: { id: 'fault-demo', title: 'Fault demo', summary: 'Files, a slow command and a unit.', needs: [], notes: [], fields: [], defaults: { slowSeconds: 4, unit: 'none', big: false, name: 'a' } },
  settings: z.object({ slowSeconds: z.number().int().min(0).max(30), unit: z.enum(['ok', 'fails', 'none']), big: z.boolean(), name: z.string().regex(/^[a-z]+$/) }).strict() as unknown as z.ZodType<FaultSettings>,
  unsupported: () => null,
  network: () => null,
  opens: () => [],
  resources: ({ settings: s }) => {
    const out: Resource[] = [
      { kind: 'file', path: `${DIR}/${s.name}-first.conf`, content: `first ${s.name}\n`, mode: 0o644 },
      {
        kind: 'command',
        id: 'fault-slow',
        label: `A slow step (${s.slowSeconds} s)`,
        argv: ['/bin/sh', '-c', 'sleep "$1" && mkdir -p "$2" && touch "$2/slow-$3"', 'sh', String(s.slowSeconds), MARK, s.name],
        unless: ['test', '-e', `${MARK}/slow-${s.name}`],
        undo: ['rm', '-f', `${MARK}/slow-${s.name}`],
      },
      { kind: 'file', path: `${DIR}/${s.name}-second.conf`, content: `second ${s.name}\n`, mode: 0o644 },
    ];
    if (s.big) out.push({ kind: 'file', path: `${FULL}/big.bin`, content: 'x'.repeat(200 * 1024), mode: 0o644 });
    if (s.unit !== 'none') {
      const exec = s.unit === 'ok' ? '/bin/sleep 86400' : `/bin/sh -c 'echo "fault-demo: ${DIR}/missing.conf is missing" >&2; exit 3'`;
      out.push(
        { kind: 'file', path: '/etc/systemd/system/fleetdeck-fault.service', content: `[Unit]\nDescription=Fleetdeck fault demo\n[Service]\nType=${s.unit === 'ok' ? 'simple' : 'oneshot'}\nRemainAfterExit=yes\nExecStart=${exec}\n[Install]\nWantedBy=multi-user.target\n`, mode: 0o644 },
        { kind: 'unit', name: 'fleetdeck-fault.service', enabled: true, state: 'running' },
      );
    }
    return out;
  },
  checks: ({ settings: s }) => [
    { kind: 'file-contains', id: 'fault-demo-second', label: 'the second file is in place', path: `${DIR}/${s.name}-second.conf`, contains: `second ${s.name}` },
    ...(s.unit === 'ok' ? [{ kind: 'unit-running' as const, id: 'fault-demo-unit', label: 'fleetdeck-fault runs', unit: 'fleetdeck-fault.service' }] : []),
  ],
  warnings: () => [],
});

describe.skipIf(unavailable)('the change engine under faults (live Debian host)', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  let service: ChangeService;
  // The stored host: resume reads the settings a change was applied with from the app's store.
  const target = (): ChangeTarget => sessionTarget(fleet.session(id), { id, name: 'faults', key: `host:${id}` });
  const sh = async (script: string) => {
    const r = await deb.exec(['sh', '-c', script]);
    return (r.stdout + r.stderr).trim();
  };
  const exists = async (p: string) => (await deb.exec(['test', '-e', p])).code === 0;
  const plan = (settings: Partial<FaultSettings>) => service.plan(target(), [{ id: 'fault-demo', settings }]);
  /** Applies; when the slow step starts, runs `fault` (the step is then in the middle of its sleep). */
  const applyWith = async (settings: Partial<FaultSettings>, fault?: () => Promise<void>) => {
    const p = await plan(settings);
    let journalId = '';
    let faulted: Promise<void> | null = null;
    const events: JournalEvent[] = [];
    const result = await service
      .apply(target(), p.planId, p.tag, {
        onJournal: (j) => (journalId = j),
        onEvent: (e) => {
          events.push(e);
          if (fault && !faulted && e.type === 'step-start' && p.steps[(e.step ?? 0) - 1]?.resource.kind === 'command') faulted = new Promise((r) => setTimeout(r, 800)).then(fault);
        },
      })
      .catch((err: unknown) => ({ error: toProblem(err) }));
    await faulted;
    return { plan: p, journalId, events, result: result as ApplyResult | { error: ReturnType<typeof toProblem> } };
  };
  const waitConnected = async () => expect.poll(() => fleet.session(id).state.state, { timeout: 30_000, interval: 200 }).toBe('connected');
  const journal = async (journalId: string) => (await service.journals(target())).find((j) => j.id === journalId);

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-faults' });
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-faults-')), knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    id = (await addHost(fleet, deb, 'admin')).id;
    service = new ChangeService({ modules: [faultModule] as ChangeModule<never>[], store: new ChangeStore(fleet.db), audit: () => {} });
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
  }, 300_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it('link cut mid-step: the step finishes, the host stops at the boundary; resume completes the change', async () => {
    const { journalId, result } = await applyWith({ name: 'cut' }, async () => {
      // The admin's SSH connection dies under the app (as a dropped Wi-Fi would end it).
      await sh("pkill -KILL -f '^sshd: admin@' || true");
    });
    // The app sees the link go: the apply ends interrupted (or as a lost link).
    if ('error' in result) expect(result.error.problem).toMatch(/disconnected|timeout/);
    else expect(result.status).toBe('interrupted');
    // On the host: the slow step finished (its marker), the next one never started.
    await expect.poll(() => exists(`${MARK}/slow-cut`), { timeout: 15_000 }).toBe(true);
    expect(await exists(`${DIR}/cut-second.conf`)).toBe(false);
    await waitConnected();
    const j = await journal(journalId);
    console.log(`[fault link-cut] journal: ${JSON.stringify(j)}\n${await sh(`tail -n 6 $(find /var/lib/fleetdeck -path '*${journalId}*' -name events.jsonl | head -1); ps -eo pid,ppid,pgid,args | grep -E 'helper|sleep' | grep -v grep`)}`);
    // Stopped at a step boundary: the slow step either recorded as done, or (when the helper
    // went with the link) recorded as the step it stopped in; resume reads the host again then.
    expect(j).toMatchObject({ status: 'interrupted' });
    expect([1, 2]).toContain(j!.completed);
    const resumed = await service.resume(target(), journalId);
    expect(resumed.status, resumed.message ?? '').toBe('done');
    expect(await sh(`cat ${DIR}/cut-second.conf`)).toBe('second cut');
    expect((await plan({ name: 'cut' })).steps).toEqual([]);
  }, 120_000);

  it('link cut mid-step, then rollback instead: the host is as it was before', async () => {
    const { journalId } = await applyWith({ name: 'back' }, async () => {
      await sh("pkill -KILL -f '^sshd: admin@' || true");
    });
    await waitConnected();
    await expect.poll(async () => (await journal(journalId))?.status, { timeout: 15_000 }).toBe('interrupted');
    const r = await service.rollback(target(), journalId);
    expect(r.status, r.message ?? '').toBe('rolled-back');
    expect(await exists(`${DIR}/back-first.conf`)).toBe(false);
    expect(await exists(`${MARK}/slow-back`)).toBe(false);
    expect((await journal(journalId))?.status).toBe('rolled-back');
  }, 120_000);

  it('the root helper killed mid-step: the journal says interrupted at that step; resume completes', async () => {
    const { journalId, result } = await applyWith({ name: 'kill' }, async () => {
      await sh("pkill -KILL -u 0 -f 'helper.cjs' || true");
    });
    if ('error' in result) expect(result.error.problem).toMatch(/disconnected|protocol-error|timeout|helper/);
    else expect(['interrupted', 'failed']).toContain(result.status);
    await waitConnected();
    await expect.poll(async () => (await journal(journalId))?.status, { timeout: 15_000 }).toBe('interrupted');
    expect(await exists(`${DIR}/kill-second.conf`)).toBe(false);
    const resumed = await service.resume(target(), journalId);
    expect(resumed.status, resumed.message ?? '').toBe('done');
    expect(resumed.verify.every((c) => c.ok)).toBe(true);
  }, 120_000);

  it('a stale plan: a file it is about is edited after it was shown → change-conflict, nothing applied', async () => {
    const p = await plan({ name: 'stale', slowSeconds: 0 });
    await sh(`mkdir -p ${DIR} && echo edited-by-hand > ${DIR}/stale-first.conf`);
    const err = await service.apply(target(), p.planId, p.tag).catch((e: unknown) => toProblem(e));
    expect(err).toMatchObject({ problem: 'change-conflict', message: expect.stringMatching(/changed since this plan was made.*plan again/) });
    expect(await sh(`cat ${DIR}/stale-first.conf`)).toBe('edited-by-hand');
    expect(await exists(`${DIR}/stale-second.conf`)).toBe(false);
  }, 60_000);

  it('a full disk: ENOSPC named with the step, no temp file left, rollback restores the rest', async () => {
    await sh(`mkdir -p ${FULL} && mount -t tmpfs -o size=64k tmpfs ${FULL}`);
    try {
      const { journalId, result } = await applyWith({ name: 'full', slowSeconds: 0, big: true });
      expect('error' in result).toBe(false);
      const r = result as ApplyResult;
      expect(r.status).toBe('failed');
      expect(r.message).toMatch(/ENOSPC|No space left/i);
      expect(await sh(`ls -A ${FULL}`)).toBe(''); // no half-written file, no temp file
      expect(await exists(`${DIR}/full-second.conf`)).toBe(true); // the steps before it stand…
      const back = await service.rollback(target(), journalId);
      expect(back.status, back.message ?? '').toBe('rolled-back');
      expect(await exists(`${DIR}/full-second.conf`)).toBe(false); // …until rolled back
    } finally {
      await sh(`umount ${FULL} || true`);
    }
  }, 60_000);

  it('a service that fails to start: the step fails with systemd\'s account of why; rollback removes it', async () => {
    const { journalId, result } = await applyWith({ name: 'unit', slowSeconds: 0, unit: 'fails' });
    const r = result as ApplyResult;
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/fleetdeck-fault/);
    expect(r.message).toMatch(/missing\.conf is missing|status=3|exit-code/);
    const back = await service.rollback(target(), journalId);
    expect(back.status, back.message ?? '').toBe('rolled-back');
    expect(await exists('/etc/systemd/system/fleetdeck-fault.service')).toBe(false);
    expect(await sh('systemctl is-enabled fleetdeck-fault.service 2>&1 || true')).toMatch(/not-found|No such file|disabled/);
  }, 60_000);

  it('a wrong sudo password: refused with what to do, nothing changed and no journal', async () => {
    // carol logs in with her key; her sudo needs her password, and the one given is wrong.
    const carol = await addHost(fleet, deb, 'carol');
    const state = await connectTrusting(fleet, carol.id, { sudoPassword: 'not-her-password' });
    expect(state.state).toBe('connected');
    const t = sessionTarget(fleet.session(carol.id), { id: null, name: 'faults-as-carol', key: 'faults-carol' });
    const before = (await service.journals(target())).length;
    const outcome = await service
      .plan(t, [{ id: 'fault-demo', settings: { name: 'sudo', slowSeconds: 0 } }])
      .then((p) => service.apply(t, p.planId, p.tag))
      .then((r) => ({ problem: `applied: ${r.status}`, message: `${r.message} (journal ${r.journalId})` }))
      .catch((e: unknown) => toProblem(e));
    // The apply fails before any step, saying what to do; nothing on the host changed.
    expect(outcome.problem, outcome.message).toMatch(/sudo-required|access-denied|authentication-failed|applied: failed/);
    expect(outcome.message).toMatch(/sudo .*needs a password for carol: enter it, or add a NOPASSWD rule/);
    expect(await exists(`${DIR}/sudo-first.conf`)).toBe(false);
    expect((await service.journals(target())).length).toBe(before);
  }, 60_000);
});
