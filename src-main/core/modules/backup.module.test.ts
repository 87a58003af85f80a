import * as zm from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { checkSchema } from '../../../src-common/change/plan.schema.js';
import { resourceSchema, type CommandResource, type FileResource } from '../../../src-common/change/resource.schema.js';
import { backupInfo, backupSettings, type BackupSettings } from '../../../src-common/modules/backup.js';
import { familyFacts } from '../change/family-probes.test-util.js';
import type { ChangeModule } from '../change/module.js';
import { desiredState } from '../change/planner.js';
import { backupModule, pathsFile, repositoryOf } from './backup.module.js';

/**
 * The backup module as pure functions of its settings: what it refuses, the files and commands it
 * plans (the password generated on the host or given as a secret, the repository created once and
 * never deleted by a rollback), and its checks. Live (back up, delete, restore, timer, rollback):
 * e2e/integration/modules/backup.test.ts.
 */
const settings = (over: Record<string, unknown> = {}): BackupSettings => backupSettings.parse({ ...backupInfo.defaults, ...over });
const bad = (over: Record<string, unknown>) => backupSettings.safeParse({ ...backupInfo.defaults, ...over }).error?.issues[0]?.message;
function plan(over: Record<string, unknown> = {}) {
  const d = desiredState([{ module: backupModule as ChangeModule, settings: settings(over) }], familyFacts('debian-12'), new Set());
  return { d, resources: d.items.map((i) => i.resource) };
}

describe('backup module', () => {
  it('refuses hostile or impossible settings, saying what to do', () => {
    expect(bad({ paths: ['/home', '../etc'] })).toMatch(/absolute path/);
    expect(bad({ paths: ['/home/../root'] })).toMatch(/may not contain "\.\."/);
    expect(bad({ volumes: ['data;rm -rf /'] })).toMatch(/volume name is letters/);
    expect(bad({ repository: 'sftp' })).toMatch(/SFTP repository needs its target/);
    expect(bad({ repository: 'sftp', sftpTarget: 'backup@nas:/srv/x -oProxyCommand=sh' })).toMatch(/user@host:\/absolute\/path/);
    expect(bad({ repository: 'sftp', sftpTarget: '-oProxyCommand=x@nas:/srv' })).toMatch(/user@host:\/absolute\/path/);
    expect(bad({ schedule: 'daily; reboot' })).toMatch(/systemd calendar spec/);
    expect(bad({ schedule: 'daily\nExecStart=/bin/sh' })).toMatch(/systemd calendar spec/);
    expect(bad({ localPath: '/home/backups' })).toMatch(/inside a path it backs up/);
    expect(bad({ keepDaily: 0, keepWeekly: 0, keepMonthly: 0 })).toMatch(/Keep at least one snapshot/);
    expect(bad({ paths: [], volumes: [] })).toMatch(/Choose something to back up/);
    expect(bad({ password: 'short' })).toMatch(/at least 12 characters/);
    expect(settings({ paths: '/srv/data, /etc', volumes: 'portainer_data' })).toMatchObject({ paths: ['/srv/data', '/etc'], volumes: ['portainer_data'] });
  });

  it('plans restic, the password made on the host, env and paths root-only, the repository created once and kept by a rollback, the timer checked by systemd-analyze, and a first backup', () => {
    const { d, resources } = plan({ paths: ['/home', '/etc'], volumes: ['portainer_data'], schedule: '*-*-* 02:30:00' });
    for (const r of resources) expect(zm.safeParse(resourceSchema, r).success, JSON.stringify(r)).toBe(true);
    for (const c of d.checks) expect(zm.safeParse(checkSchema, c).success, JSON.stringify(c)).toBe(true);
    const cmd = (id: string) => resources.find((r): r is CommandResource => r.kind === 'command' && r.id === id)!;
    const file = (p: string) => resources.find((r): r is FileResource => r.kind === 'file' && r.path === p)!;
    expect(cmd('backup-password')).toMatchObject({ unless: ['test', '-s', '/etc/fleetdeck/backup/password'], undoneWith: expect.stringMatching(/password is kept/) });
    expect(cmd('backup-init')).toMatchObject({ argv: ['restic', '-r', '/var/backups/restic', '--password-file', '/etc/fleetdeck/backup/password', 'init'], unless: ['restic', '-r', '/var/backups/restic', '--password-file', '/etc/fleetdeck/backup/password', '--no-cache', 'cat', 'config'], undoneWith: expect.stringMatching(/never deletes backups/) });
    expect(cmd('backup-init').undo).toBeUndefined();
    expect(file('/etc/fleetdeck/backup/env')).toMatchObject({ mode: 0o600 });
    expect(file('/etc/fleetdeck/backup/env').content).toContain('KEEP="--keep-daily 7 --keep-weekly 4 --keep-monthly 6"');
    expect(file('/etc/fleetdeck/backup/paths').content).toBe('/home\n/etc\n/var/lib/docker/volumes/portainer_data/_data\n');
    expect(file('/etc/systemd/system/fleetdeck-backup.timer').content).toContain('OnCalendar=*-*-* 02:30:00');
    expect(resources.find((r) => r.kind === 'unit')).toMatchObject({ name: 'fleetdeck-backup.timer', checkBefore: ['systemd-analyze', 'calendar', '*-*-* 02:30:00'] });
    expect(cmd('backup-first')).toMatchObject({ argv: ['systemctl', 'start', 'fleetdeck-backup.service'], unless: ['test', '-s', '/var/lib/fleetdeck/backup/last-ok.json'] });
    expect(d.checks.map((c) => c.kind)).toEqual(['unit-running', 'backup-fresh', 'backup-restore']);
    expect(d.warnings.join('\n')).toMatch(/generated on the host[\s\S]*does not survive the loss of this host’s disk/);
  });

  it('a given password is a secret file (never shown); SFTP repositories by their target', () => {
    const { resources } = plan({ password: 'correct horse battery', repository: 'sftp', sftpTarget: 'backup@nas.lab:/srv/restic/gpu-1' });
    expect(resources.find((r) => r.kind === 'file' && r.path === '/etc/fleetdeck/backup/password')).toMatchObject({ secret: true, mode: 0o600 });
    expect(resources.some((r) => r.kind === 'command' && r.id === 'backup-password')).toBe(false);
    expect(repositoryOf(settings({ repository: 'sftp', sftpTarget: 'backup@nas.lab:/srv/restic/gpu-1' }))).toBe('sftp:backup@nas.lab:/srv/restic/gpu-1');
    expect(backupModule.network({ facts: familyFacts('debian-12'), settings: settings({ repository: 'sftp', sftpTarget: 'backup@nas.lab:/srv/r' }), modules: new Set(), ports: [] })).toMatch(/backup@nas.lab over SSH/);
    expect(pathsFile(settings({ paths: ['/srv/with space'] }))).toBe('/srv/with space\n');
  });

  it('needs systemd for its timer', () => {
    expect(backupModule.unsupported(familyFacts('alpine-3.23'), settings())).toMatch(/systemd timer/);
    expect(backupModule.unsupported(familyFacts('rocky-9.3'), settings())).toBeNull();
  });
});
