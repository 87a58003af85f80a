import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { BACKUP_PASSWORD_FILE, backupInfo, backupSettings, type BackupSettings } from '../../../src-common/modules/backup.js';
import { defineModule, type ModuleContext } from '../change/module.js';
import { hostSecret, mirrorName } from './family.js';

/**
 * Backups with restic (settings and description: src-common/modules/backup.ts). Built for systemd
 * hosts (the schedule is a timer); restic itself comes from the distribution.
 *
 * The job (fleetdeck-backup.service, oneshot, as root) backs up the listed paths verbatim, then
 * applies the retention policy with `forget --prune`, and writes what happened to
 * /var/lib/fleetdeck/backup (status.json for every run, last-ok.json for the last good one; numbers
 * and the snapshot id only, world-readable) and, where node_exporter's textfile directory exists,
 * as metrics for the monitoring module's "backup too old" rule. The first apply runs one backup so
 * verify's restore test has a snapshot to restore. A rollback never deletes the repository.
 */
export const BACKUP_DIR = '/etc/fleetdeck/backup';
export const BACKUP_STATE = '/var/lib/fleetdeck/backup';
export const BACKUP_SCRIPT = '/usr/local/lib/fleetdeck/backup';
export const BACKUP_UNIT = 'fleetdeck-backup';
const PASSWORD_FILE = BACKUP_PASSWORD_FILE;
const TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';
const HEADER = '# Managed by Fleetdeck (backup module). Edits here show up as drift and are undone by the next apply.\n';

export function repositoryOf(s: BackupSettings): string {
  return s.repository === 'sftp' ? `sftp:${s.sftpTarget}` : s.localPath;
}

/** What restic reads, one path per line (verbatim: no patterns); volumes by their data directory. */
export function pathsFile(s: BackupSettings): string {
  return [...s.paths, ...s.volumes.map((v) => `/var/lib/docker/volumes/${v}/_data`)].join('\n') + '\n';
}

export const BACKUP_SH = `#!/bin/sh
${HEADER}# Run by ${BACKUP_UNIT}.service as root, with RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE and KEEP from ${BACKUP_DIR}/env.
set -u
umask 077
state=${BACKUP_STATE}
mkdir -p "$state" && chmod 0755 "$state"
started=$(date +%s)
restic backup --json --quiet --tag fleetdeck --files-from-verbatim ${BACKUP_DIR}/paths >"$state/last.out" 2>"$state/last.err"
rc=$?
summary=$(grep '"message_type":"summary"' "$state/last.out" | tail -n 1)
[ -n "$summary" ] || summary=null
prune=-1
if [ "$rc" -eq 0 ]; then
  # shellcheck disable=SC2086 # KEEP is the retention flags, split on purpose
  restic forget --prune --tag fleetdeck $KEEP >>"$state/last.err" 2>&1
  prune=$?
fi
finished=$(date +%s)
printf '{"started":%s,"finished":%s,"exit":%s,"pruneExit":%s,"summary":%s}\\n' "$started" "$finished" "$rc" "$prune" "$summary" >"$state/status.json.tmp"
chmod 0644 "$state/status.json.tmp"
mv "$state/status.json.tmp" "$state/status.json"
if [ "$rc" -eq 0 ]; then cp -p "$state/status.json" "$state/last-ok.json.tmp" && mv "$state/last-ok.json.tmp" "$state/last-ok.json"; fi
if [ -d ${TEXTFILE_DIR} ]; then
  last_ok=$(sed -n 's/.*"finished":\\([0-9]*\\).*/\\1/p' "$state/last-ok.json" 2>/dev/null)
  {
    echo "# TYPE fleetdeck_backup_last_run_timestamp_seconds gauge"
    echo "fleetdeck_backup_last_run_timestamp_seconds $finished"
    echo "# TYPE fleetdeck_backup_last_exit_code gauge"
    echo "fleetdeck_backup_last_exit_code $rc"
    echo "# TYPE fleetdeck_backup_last_success_timestamp_seconds gauge"
    echo "fleetdeck_backup_last_success_timestamp_seconds \${last_ok:-0}"
    echo "# TYPE fleetdeck_backup_max_age_seconds gauge"
    echo "fleetdeck_backup_max_age_seconds \${MAX_AGE_SECONDS:-129600}"
  } >${TEXTFILE_DIR}/.fleetdeck-backup.prom.$$
  chmod 0644 ${TEXTFILE_DIR}/.fleetdeck-backup.prom.$$
  mv ${TEXTFILE_DIR}/.fleetdeck-backup.prom.$$ ${TEXTFILE_DIR}/fleetdeck-backup.prom
fi
exit "$rc"
`;

function envFile(s: BackupSettings): string {
  const keep = [s.keepDaily && `--keep-daily ${s.keepDaily}`, s.keepWeekly && `--keep-weekly ${s.keepWeekly}`, s.keepMonthly && `--keep-monthly ${s.keepMonthly}`].filter(Boolean).join(' ');
  // systemd EnvironmentFile syntax: each value double-quoted; the repository is validated (no quotes, no newlines).
  return `${HEADER}RESTIC_REPOSITORY="${repositoryOf(s)}"\nRESTIC_PASSWORD_FILE="${PASSWORD_FILE}"\nRESTIC_CACHE_DIR="/var/cache/fleetdeck-restic"\nKEEP="${keep}"\nMAX_AGE_SECONDS="${s.maxAgeHours * 3600}"\n`;
}

const SERVICE = `${HEADER}[Unit]
Description=Fleetdeck backup (restic)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
EnvironmentFile=${BACKUP_DIR}/env
ExecStart=${BACKUP_SCRIPT}
Nice=10
IOSchedulingClass=idle
`;

const timer = (s: BackupSettings) => `${HEADER}[Unit]
Description=Fleetdeck backup schedule

[Timer]
OnCalendar=${s.schedule}
Persistent=true
AccuracySec=1s

[Install]
WantedBy=timers.target
`;

export function backupChecks(s: BackupSettings): Check[] {
  return [
    { kind: 'unit-running', id: 'backup-timer', label: `The backup timer is active (${s.schedule})`, unit: `${BACKUP_UNIT}.timer` },
    { kind: 'backup-fresh', id: 'backup-status', label: `The last good backup is less than ${s.maxAgeHours} h old`, stateDir: BACKUP_STATE, maxAgeHours: s.maxAgeHours },
    { kind: 'backup-restore', id: 'backup-restore-test', label: 'Restore test: a sample of the latest snapshot restores, and matches the live files (sha256)', repository: repositoryOf(s), passwordFile: PASSWORD_FILE, maxFiles: 200, maxBytes: 256 * 1024 * 1024 },
  ];
}

export const backupModule = defineModule<BackupSettings>({
  info: backupInfo,
  settings: backupSettings as never,
  unsupported(facts) {
    if (facts.probe.packageBackend === 'unknown') return 'no package manager Fleetdeck knows (apt, dnf, yum, zypper, pacman, apk)';
    if (facts.probe.serviceManager !== 'systemd') return 'the schedule is a systemd timer, and this host does not run systemd';
    return null;
  },
  network: (ctx) => `${mirrorName(ctx.facts.probe)} for restic${ctx.settings.repository === 'sftp' ? `; ${ctx.settings.sftpTarget.split(':')[0]} over SSH (root’s key must be authorised there)` : ''}`,
  opens: () => [],
  resources(ctx: ModuleContext<BackupSettings>) {
    const s = ctx.settings;
    const repo = repositoryOf(s);
    const file = (p: string, content: string, mode = 0o644): Resource => ({ kind: 'file', path: p, content, mode, owner: 'root', group: 'root' });
    const resticEnv = { RESTIC_CACHE_DIR: '/var/cache/fleetdeck-restic' };
    const password = hostSecret({
      id: 'backup-password',
      path: PASSWORD_FILE,
      given: s.password && `${s.password}\n`,
      bytes: 32,
      label: `Generate the repository password on the host (${PASSWORD_FILE}, root only; the desktop app keeps a copy in the OS keychain)`,
      kept: 'the password is kept: without it the snapshots in the repository cannot be read',
    });
    return [
      { kind: 'package', label: 'restic', packages: ['restic'], state: 'present', source: mirrorName(ctx.facts.probe) },
      password,
      file(`${BACKUP_DIR}/env`, envFile(s), 0o600),
      file(`${BACKUP_DIR}/paths`, pathsFile(s), 0o600),
      {
        kind: 'command',
        id: 'backup-init',
        label: `Create the restic repository at ${repo}`,
        argv: ['restic', '-r', repo, '--password-file', PASSWORD_FILE, 'init'],
        // The unless check runs with no extra environment: the repository is named in its argv.
        unless: ['restic', '-r', repo, '--password-file', PASSWORD_FILE, '--no-cache', 'cat', 'config'],
        env: { RESTIC_CACHE_DIR: resticEnv.RESTIC_CACHE_DIR },
        undoneWith: 'the repository and its snapshots are kept: a rollback never deletes backups',
        timeoutMs: 5 * 60_000,
      },
      file(BACKUP_SCRIPT, BACKUP_SH, 0o755),
      file(`/etc/systemd/system/${BACKUP_UNIT}.service`, SERVICE),
      file(`/etc/systemd/system/${BACKUP_UNIT}.timer`, timer(s)),
      { kind: 'unit', name: `${BACKUP_UNIT}.timer`, enabled: true, state: 'running', restartOn: [`file:/etc/systemd/system/${BACKUP_UNIT}.timer`, `file:/etc/systemd/system/${BACKUP_UNIT}.service`], checkBefore: ['systemd-analyze', 'calendar', s.schedule] },
      {
        kind: 'command',
        id: 'backup-first',
        label: 'Run the first backup now, so the restore test has a snapshot',
        argv: ['systemctl', 'start', `${BACKUP_UNIT}.service`],
        unless: ['test', '-s', `${BACKUP_STATE}/last-ok.json`],
        undoneWith: 'the snapshot stays in the repository',
        timeoutMs: 30 * 60_000,
      },
    ];
  },
  checks: (ctx) => backupChecks(ctx.settings),
  warnings(ctx) {
    const s = ctx.settings;
    const w: string[] = [];
    if (!s.password) w.push(`The repository password is generated on the host (${PASSWORD_FILE}, root only): without it the backups cannot be read. The desktop app keeps a copy in the OS keychain; elsewhere copy it somewhere safe (Services tab → Show password, or fleetdeck modules secret ${ctx.facts.hostName} backup).`);
    else w.push('The repository password is set once: where the host has one already, that one is kept (change it with restic key passwd).');
    if (s.repository === 'local') w.push(`The repository is on this host (${s.localPath}): it does not survive the loss of this host’s disk. Point it at another disk, or use SFTP to another machine.`);
    return w;
  },
});
