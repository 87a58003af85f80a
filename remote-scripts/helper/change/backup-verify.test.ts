import { describe, expect, it } from 'vitest';
import type { HelperContext } from '../context.js';
import { checkBackupFresh, describeBackup, parseStatus, sample } from './backup-verify.js';

/**
 * The backup checks' pure parts: the status the backup job writes, the freshness verdict, and the
 * sample the restore test takes from `restic ls --json`. The restore itself runs live:
 * e2e/integration/modules/backup.test.ts.
 */
const status = (finished: number, exit = 0) => JSON.stringify({ started: finished - 5, finished, exit, pruneExit: 0, summary: { snapshot_id: '1a2b3c4d5e6f', total_files_processed: 1204, total_bytes_processed: 52428800, data_added: 3145728 } });
const host = (files: Record<string, string>) => ({ readText: async (p: string) => files[p] ?? null }) as unknown as HelperContext;
const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('backup checks', () => {
  it('reads the job’s status and says what the last good backup holds', () => {
    const s = parseStatus(status(NOW / 1000 - 3600))!;
    expect(describeBackup(s)).toBe('2026-12-07 11:00 UTC, snapshot 1a2b3c4d, 1204 files, 50.0 MiB backed up, 3.0 MiB added to the repository');
    expect(parseStatus('{"broken"')).toBeNull();
    expect(parseStatus(null)).toBeNull();
  });

  it('fresh within the limit; too old, none yet, or a failed last run are said', async () => {
    const dir = '/var/lib/fleetdeck/backup';
    const c = { kind: 'backup-fresh' as const, id: 'backup-status', label: 'fresh', stateDir: dir, maxAgeHours: 36 };
    expect(await checkBackupFresh(host({ [`${dir}/last-ok.json`]: status(NOW / 1000 - 3600) }), c, NOW)).toEqual({ ok: true, evidence: 'Last good backup 2026-12-07 11:00 UTC, snapshot 1a2b3c4d, 1204 files, 50.0 MiB backed up, 3.0 MiB added to the repository (1.0 h before this check).' });
    expect(await checkBackupFresh(host({ [`${dir}/last-ok.json`]: status(NOW / 1000 - 3 * 86400) }), c, NOW)).toEqual({ ok: false, evidence: expect.stringMatching(/\(3\.0 days before this check: older than 36 h\)\.$/) });
    expect(await checkBackupFresh(host({ [`${dir}/status.json`]: status(NOW / 1000 - 60, 1) }), c, NOW)).toEqual({ ok: false, evidence: expect.stringMatching(/^No good backup yet\. The last run .* failed with exit 1: see journalctl -u fleetdeck-backup/) });
  });

  it('samples regular files spread over the snapshot, within the budget, leaving out names restic would read as patterns', () => {
    const lines = [JSON.stringify({ time: 'x', struct_type: 'snapshot' }), JSON.stringify({ type: 'dir', path: '/home' })];
    for (let i = 0; i < 100; i++) lines.push(JSON.stringify({ type: 'file', path: `/home/a/f${i}`, size: 1000, mtime: '2026-12-07T10:00:00Z' }));
    lines.push(JSON.stringify({ type: 'file', path: '/home/a/[x]*', size: 1 }), JSON.stringify({ type: 'symlink', path: '/home/a/l' }));
    const s = sample(lines.join('\n'), 10, 1_000_000);
    expect(s).toHaveLength(10);
    expect(s[0]!.path).toBe('/home/a/f0');
    expect(s[1]!.path).toBe('/home/a/f10');
    expect(sample(lines.join('\n'), 10, 3500)).toHaveLength(3);
    expect(sample(lines.join('\n'), 500, 1e9).some((n) => n.path.includes('['))).toBe(false);
  });
});
