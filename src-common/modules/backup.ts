import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';
import { domainName, hostPath, listOf, setOncePassword } from './settings-fields.js';

/**
 * Backups with restic: a repository on a local path or over SFTP, what to back up (paths and
 * Docker named volumes), a systemd timer, a retention policy (`forget --prune`), the password in
 * a root-only file on the host, and a restore test (restore a sample of the latest snapshot to a
 * scratch directory and compare checksums with the files it came from) that verify repeats.
 */
export const MAX_BACKUP_PATHS = 64;

const list = <T extends z.ZodTypeAny>(item: T, what: string, example: string) => listOf(item, { what, example, max: MAX_BACKUP_PATHS });

/** A Docker named volume, as Docker names them. */
const volumeName = () => z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'A volume name is letters, digits, "_", "." or "-", e.g. portainer_data.');

/** user@host:/path for restic's sftp backend (no options, no spaces: nothing for ssh to read as a flag). */
const sftpTarget = () =>
  z
    .string()
    .trim()
    .max(1024, 'The SFTP target has at most 1024 characters.')
    .refine((v) => {
      const m = /^([a-z_][a-z0-9_.-]{0,31})@([^\s:@/]+):(\/[^\0\n\r\t ]*)$/.exec(v);
      return !!m && domainName().safeParse(m[2]).success && !m[3]!.split('/').includes('..');
    }, 'The SFTP target is user@host:/absolute/path, e.g. backup@nas.lab.example.org:/srv/restic/gpu-1.');

/** systemd's OnCalendar: a word (daily) or a calendar spec; checked by systemd-analyze calendar before the timer loads. */
const calendar = () =>
  z
    .string()
    .trim()
    .min(1, 'Give a schedule, e.g. daily or *-*-* 02:30:00.')
    .max(100, 'A schedule has at most 100 characters.')
    .regex(/^[A-Za-z0-9*:/,.~ -]+$/, 'A schedule is a systemd calendar spec: letters, digits, spaces and * : / , . ~ -, e.g. daily or Mon..Fri 02:30.');

const keep = (what: string) => z.coerce.number({ message: `Keep ${what}: a whole number from 0 to 1000.` }).int(`Keep ${what}: a whole number from 0 to 1000.`).min(0, `Keep ${what}: a whole number from 0 to 1000.`).max(1000, `Keep ${what}: a whole number from 0 to 1000.`);

/** The repository password's root-only file on the host. */
export const BACKUP_PASSWORD_FILE = '/etc/fleetdeck/backup/password';

export const backupSettings = z
  .object({
    repository: z.enum(['local', 'sftp'], { message: 'The repository is "local" (a path on this host) or "sftp".' }).default('local'),
    /** For local: the repository's directory (another disk, ideally). */
    localPath: hostPath().default('/var/backups/restic'),
    sftpTarget: z.union([z.literal(''), sftpTarget()]).default(''),
    paths: list(hostPath(), 'paths', '["/home", "/etc"]').default(['/home', '/etc']),
    volumes: list(volumeName(), 'volumes', '["portainer_data"]').default([]),
    schedule: calendar().default('daily'),
    keepDaily: keep('daily snapshots').default(7),
    keepWeekly: keep('weekly snapshots').default(4),
    keepMonthly: keep('monthly snapshots').default(6),
    /** Older than this, the last good backup is a failed check (and a Prometheus alert with monitoring). */
    maxAgeHours: z.coerce.number({ message: 'The age limit is hours, 1 to 8760.' }).int('The age limit is whole hours, 1 to 8760.').min(1, 'The age limit is hours, 1 to 8760.').max(8760, 'The age limit is hours, 1 to 8760.').default(36),
    /** Empty: generated on the host (root-only file), never leaving it. */
    password: setOncePassword('A repository password', 12, 1024),
  })
  .strict()
  .refine((s) => s.repository !== 'sftp' || s.sftpTarget, { message: 'An SFTP repository needs its target (user@host:/path).', path: ['sftpTarget'] })
  .refine((s) => s.paths.length + s.volumes.length > 0, { message: 'Choose something to back up: paths or volumes.', path: ['paths'] })
  .refine((s) => s.repository !== 'local' || !s.paths.some((p) => s.localPath === p || s.localPath.startsWith(p.endsWith('/') ? p : `${p}/`)), { message: 'The repository may not be inside a path it backs up.', path: ['localPath'] })
  .refine((s) => s.keepDaily + s.keepWeekly + s.keepMonthly > 0, { message: 'Keep at least one snapshot (daily, weekly or monthly).', path: ['keepDaily'] });
export type BackupSettings = z.infer<typeof backupSettings>;

export const backupInfo: ModuleInfo = {
  id: 'backup',
  title: 'Backups with restic',
  summary:
    'restic backs up the paths and Docker volumes you choose to a repository on this host or over SFTP, on a systemd timer, keeping the snapshots your retention policy says. A restore test restores a sample to a scratch directory and compares checksums; verify repeats it, and the host page shows the last backup.',
  needs: [],
  notes: ['restic comes from the distribution’s mirror', 'the repository password is in a root-only file on the host; the desktop app keeps a copy in the OS keychain (Services tab: Show password) — without it the backups cannot be read', 'a rollback never deletes the repository or its snapshots'],
  secrets: [{ key: 'password', label: 'Repository password', path: BACKUP_PASSWORD_FILE }],
  fields: [
    { key: 'repository', label: 'Repository', kind: 'select', options: [{ value: 'local', label: 'A path on this host' }, { value: 'sftp', label: 'SFTP to another machine' }] },
    { key: 'localPath', label: 'Repository path', kind: 'text', help: 'Only for a local repository: put it on another disk.' },
    { key: 'sftpTarget', label: 'SFTP target', kind: 'text', placeholder: 'backup@nas.lab:/srv/restic/gpu-1', help: 'Only for SFTP: root on this host logs in there with its own SSH key.' },
    { key: 'paths', label: 'Paths to back up', kind: 'list', placeholder: '/home, /etc' },
    { key: 'volumes', label: 'Docker volumes to back up', kind: 'list', placeholder: 'portainer_data' },
    { key: 'schedule', label: 'When (systemd calendar)', kind: 'text', placeholder: 'daily', help: 'e.g. daily, hourly, *-*-* 02:30:00, Mon..Fri 22:00.' },
    { key: 'keepDaily', label: 'Keep daily snapshots', kind: 'number' },
    { key: 'keepWeekly', label: 'Keep weekly snapshots', kind: 'number' },
    { key: 'keepMonthly', label: 'Keep monthly snapshots', kind: 'number' },
    { key: 'maxAgeHours', label: 'Alert when the last good backup is older than (hours)', kind: 'number' },
    { key: 'password', label: 'Repository password', kind: 'secret', placeholder: 'generated on the host', help: 'Empty: generated on the host (the desktop app keeps a copy in the OS keychain). Set once: a password already on the host is kept.' },
  ],
  defaults: { repository: 'local', localPath: '/var/backups/restic', sftpTarget: '', paths: ['/home', '/etc'], volumes: [], schedule: 'daily', keepDaily: 7, keepWeekly: 4, keepMonthly: 6, maxAgeHours: 36, password: '' },
};
