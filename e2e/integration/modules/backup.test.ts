import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { addHost, connectTrusting } from '../harness.js';

/**
 * The backup module, live on the systemd Debian testbed host with restic from Debian's archive:
 * applied (repository created, password generated on the host, first backup run), verified (the
 * restore test restores a sample and compares sha256 with the live files), a deleted file
 * restored with matching checksum, the timer firing on its own, nothing planned the second time,
 * and a rollback that removes the job but keeps the repository.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('backup module on a live Debian host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  const settings = { paths: ['/srv/data', '/home/carol'], localPath: '/var/backups/restic', schedule: '*:*:0/20', maxAgeHours: 1 };
  const plan = (s: Record<string, unknown> = settings): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: [{ id: 'backup', settings: s }] }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;
  const sh = async (script: string) => {
    const r = await deb.exec(['sh', '-c', script]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    return r.stdout;
  };
  let journalId: string;

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-backup', apt: true });
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-backup-')), knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    id = (await addHost(fleet, deb, 'admin')).id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
    await sh('mkdir -p /srv/data/sub && head -c 3000000 /dev/urandom > /srv/data/big.bin && echo hello > /srv/data/sub/a.txt && echo "carol\'s notes" > /home/carol/notes.txt && chown carol: /home/carol/notes.txt');
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it('applies: restic installed, the password made on the host (root only), the repository created, a first backup; verify’s restore test matches the live files', async () => {
    const p = await plan();
    expect(p.steps.map((s) => s.summary).join('\n')).toMatch(/Install restic[\s\S]*Generate the repository password[\s\S]*Create the restic repository at \/var\/backups\/restic[\s\S]*Run the first backup now/);
    const r = await apply(p);
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok)).toEqual([]);
    journalId = r.journalId!;
    const restore = r.verify.find((c) => c.id === 'backup-restore-test')!;
    // /srv/data's two files and carol's notes and dotfiles: each restored and matching.
    const m = /^Restored (\d+) of (\d+) sampled files \(2\.9 MiB\) of snapshot [0-9a-f]{8} .* to a scratch directory: (\d+) match the live file \(sha256\), 0 changed since the snapshot \(not compared\), 0 differ\.$/.exec(restore.evidence);
    expect(m, restore.evidence).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(3);
    expect(new Set([m![1], m![2], m![3]]).size).toBe(1);
    expect(r.verify.find((c) => c.id === 'backup-status')!.evidence).toMatch(/^Last good backup \d{4}-\d\d-\d\d \d\d:\d\d UTC, snapshot [0-9a-f]{8}, \d+ files, 2\.9 MiB backed up, .* \((under a minute|\d+ min) before this check\)\.$/);
    expect((await sh('stat -c "%a %U" /etc/fleetdeck/backup/password /etc/fleetdeck/backup/env')).trim()).toBe('600 root\n600 root');
    expect(await sh('ls /var/lib/fleetdeck/backup; ls -d /var/tmp/fleetdeck-restore-* 2>/dev/null || true')).not.toMatch(/fleetdeck-restore-/);
  }, 600_000);

  it('back up, delete a file, restore it: the checksum matches', async () => {
    const before = await sh('sha256sum /srv/data/big.bin');
    // The snapshot that holds it, pinned before the delete: the timer (every 20 s here) may take a newer one without it meanwhile.
    const [snap] = JSON.parse(await sh('set -a; . /etc/fleetdeck/backup/env; restic snapshots --tag fleetdeck --latest 1 --json')) as { id: string }[];
    await sh('rm /srv/data/big.bin');
    await sh(`set -a; . /etc/fleetdeck/backup/env; restic restore ${snap!.id} --include /srv/data/big.bin --target / >/dev/null`);
    expect(await sh('sha256sum /srv/data/big.bin')).toBe(before);
  }, 120_000);

  it('the timer fires on its own (every 20 s here), and each run is recorded', async () => {
    type Status = { finished: number; exit: number; summary: { snapshot_id: string } | null };
    const first = JSON.parse(await sh('cat /var/lib/fleetdeck/backup/status.json')) as Status;
    const deadline = Date.now() + 90_000;
    let now = first;
    while (now.finished === first.finished && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 3000));
      now = JSON.parse(await sh('cat /var/lib/fleetdeck/backup/status.json')) as Status;
    }
    expect(now.finished).toBeGreaterThan(first.finished);
    expect(now.exit).toBe(0);
    expect(now.summary?.snapshot_id).not.toBe(first.summary?.snapshot_id);
    // Retention ran after it: one snapshot a day is kept (keepDaily), so the older one of today is gone.
    expect((await sh('set -a; . /etc/fleetdeck/backup/env; restic snapshots --json')).match(/"short_id"/g)).toHaveLength(1);
  }, 120_000);

  it('plans nothing the second time; a hostile schedule is refused before anything runs', async () => {
    expect((await plan()).steps).toEqual([]);
    await expect(plan({ ...settings, schedule: 'daily\nExecStartPre=/bin/sh -c id' })).rejects.toThrow(/schedule: A schedule is a systemd calendar spec/);
  }, 120_000);

  it('rolls back: the job, its files and restic gone; the repository and the password kept', async () => {
    const rb = (await fleet.call('change.rollback', { id, journalId })) as { status: string; message: string | null };
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    const left = await sh('for f in /etc/systemd/system/fleetdeck-backup.timer /etc/systemd/system/fleetdeck-backup.service /usr/local/lib/fleetdeck/backup /etc/fleetdeck/backup/env /etc/fleetdeck/backup/paths; do test -e $f && echo "$f present"; done; dpkg -s restic >/dev/null 2>&1 && echo "restic installed"; test -s /var/backups/restic/config && echo repo-kept; test -s /etc/fleetdeck/backup/password && echo password-kept; true');
    expect(left.trim().split('\n')).toEqual(['repo-kept', 'password-kept']);
  }, 300_000);
});
