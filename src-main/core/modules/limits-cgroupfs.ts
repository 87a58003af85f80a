import { CGROUP_HOOK_PATH } from '../../../src-common/change/host-paths.js';
import { resourceId, type Resource } from '../../../src-common/change/resource.schema.js';
import { CONTAINER_CGROUP_PARTS } from '../../../src-common/modules/container-cgroups.js';
import type { LimitSpec } from '../../../src-common/modules/limits.js';

/**
 * Per-user limits without systemd, on cgroup v1 (or hybrid) hosts: the kernel's cgroupfs directly.
 *
 * Each limited user gets a cgroup `fleetdeck/user-UID` in the memory, cpu, pids and blkio
 * hierarchies, configured from a root-owned file /etc/fleetdeck/limits.d/UID.conf that the engine
 * writes (so plan, diff, journal and rollback treat it like any other file).
 *
 * Processes started later are placed by a PAM session hook, chosen over the alternatives:
 *   - pam_exec ships with PAM itself (libpam-modules): nothing to compile or install, no daemon;
 *   - it runs as root inside the PAM application (sshd's session child, su, runuser, login, cron)
 *     after the session opens and before that process forks the user's shell or command, so the
 *     user's code starts inside the limits and every child inherits them (a daemon that moves
 *     processes after they start, such as libcgroup's cgrulesengd, leaves a window and is another
 *     package to trust);
 *   - `optional`: a broken hook never locks anyone out; verify reads back whether the user's
 *     processes really are inside (loud "not enforced" otherwise).
 * The hook line goes into /etc/pam.d/common-session (sshd, su, login, cron) and /etc/pam.d/runuser
 * (Debian's runuser does not include common-session). Processes of the user already running are
 * moved in by the apply itself, from whichever cgroup they are in, except a container's (those
 * stay in the runtime's own cgroup, which limits them).
 *
 * The same script is the hook on disk, which the apply's commands run, and, given inline to
 * `/bin/sh -c`, the rollback's re-sync: that runs once the files are back, when the file on disk
 * may be gone with them.
 */
export const HOOK_PATH = CGROUP_HOOK_PATH;
export const CONF_DIR = '/etc/fleetdeck/limits.d';
export const confPath = (uid: number) => `${CONF_DIR}/${uid}.conf`;

export const CGROUP_SCRIPT = `#!/bin/sh
# Fleetdeck per-user limits on cgroupfs (cgroup v1), without systemd. Installed by Fleetdeck.
#   session           pam_exec (session open): put the PAM application, and so the user's
#                     processes to come, in the user's cgroup
#   sync-all          make every user's cgroup match ${CONF_DIR}/UID.conf, move the user's
#                     running processes in; clear the cgroups of users without a conf
#   check-all         exit 0 when all of that already holds (else say what differs)
#   pam-enable | pam-disable | pam-enabled    the PAM session hook
set -u
unset IFS
PATH=/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
CONF=${CONF_DIR}
CG=/sys/fs/cgroup
HOOK=${HOOK_PATH}
PAMS='/etc/pam.d/common-session /etc/pam.d/runuser'
NOTE='# Fleetdeck per-user limits: puts each session in its user cgroup (Fleetdeck removes this line on rollback)'

isnum() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
val() { sed -n "s/^$2=//p" "$CONF/$1.conf" | head -n 1; }
cg() { printf '%s/%s/fleetdeck/user-%s' "$CG" "$1" "$2"; }
devnum() {
  [ -b "$1" ] || return 1
  dn=$(stat -L -c '%t %T' -- "$1") || return 1
  set -- $dn
  printf '%d:%d' "0x$1" "0x$2"
}
# The cgroup path of PID in the memory hierarchy.
memcg() { sed -n 's/^[0-9]*:[^:]*memory[^:]*://p' "/proc/$1/cgroup" 2>/dev/null | head -n 1; }
# Running (not zombie) processes whose real uid is $1.
pids_of() {
  grep -H '^Uid:' /proc/[0-9]*/status 2>/dev/null | while IFS=': 	' read -r p _ ruid _; do
    [ "$ruid" = "$1" ] || continue
    p=\${p#/proc/}
    p=\${p%/status}
    case $(sed -n 's/^State:[[:space:]]*\\([A-Z]\\).*/\\1/p' "/proc/$p/status" 2>/dev/null) in '' | Z | X) continue ;; esac
    echo "$p"
  done
}

want() {
  mem=$(val "$1" memory); [ -n "$mem" ] || mem=-1
  swap=$(val "$1" swap)
  cpu=$(val "$1" cpu_quota_us); [ -n "$cpu" ] || cpu=-1
  tasks=$(val "$1" tasks); [ -n "$tasks" ] || tasks=max
  for v in "$mem" "$cpu" "$tasks" \${swap:-0}; do
    case $v in -1 | max) ;; *) isnum "$v" || { echo "$CONF/$1.conf: $v is not a number" >&2; return 1; } ;; esac
  done
  memsw=-1
  [ -n "$swap" ] && [ "$mem" != -1 ] && memsw=$((mem + swap))
  return 0
}

# Lines "MAJ:MIN BPS" the conf asks for, one per device, for key $2 (io_read or io_write).
io_want() {
  sed -n "s/^$2=//p" "$CONF/$1.conf" | while read -r dev bps; do
    n=$(devnum "$dev") && isnum "$bps" && echo "$n $bps"
  done
}

configure() {
  u=$1
  want "$u" || return 1
  for c in memory cpu pids blkio; do
    [ -d "$CG/$c" ] || { [ "$c" = blkio ] && continue; echo "the $c controller is not mounted at $CG/$c" >&2; return 1; }
    mkdir -p "$(cg "$c" "$u")" || return 1
  done
  m=$(cg memory "$u")
  # memsw must stay at or above the memory limit: lift it, set the limit, then set it.
  [ -f "$m/memory.memsw.limit_in_bytes" ] && echo -1 > "$m/memory.memsw.limit_in_bytes"
  echo "$mem" > "$m/memory.limit_in_bytes" || return 1
  [ -f "$m/memory.memsw.limit_in_bytes" ] && { echo "$memsw" > "$m/memory.memsw.limit_in_bytes" || return 1; }
  echo 100000 > "$(cg cpu "$u")/cpu.cfs_period_us" || return 1
  echo "$cpu" > "$(cg cpu "$u")/cpu.cfs_quota_us" || return 1
  echo "$tasks" > "$(cg pids "$u")/pids.max" || return 1
  b=$(cg blkio "$u")
  for k in read write; do
    f=$b/blkio.throttle.\${k}_bps_device
    [ -f "$f" ] || continue
    while read -r n _; do echo "$n 0" > "$f"; done < "$f"
    io_want "$u" "io_$k" | while read -r n bps; do echo "$n $bps" > "$f"; done
  done
  return 0
}

join() {
  for c in memory cpu pids blkio; do
    d=$(cg "$c" "$1")
    [ -d "$d" ] && { echo "$2" > "$d/cgroup.procs" || return 1; }
  done
  return 0
}

# Is the process outside user $1's cgroup (and not in a container, which its runtime limits)?
outside() {
  case $(memcg "$2") in "/fleetdeck/user-$1" | "/fleetdeck/user-$1/"* | ${CONTAINER_CGROUP_PARTS.map((p) => `*${p}*`).join(' | ')}) return 1 ;; esac
  return 0
}

move_in() {
  for p in $(pids_of "$1"); do
    outside "$1" "$p" && join "$1" "$p" 2>/dev/null
  done
  return 0
}

# A user no longer limited: processes back to the root cgroup, then the cgroup goes. Containers
# started under it (Docker's cgroup parent) keep it while they run: then its limits are lifted.
clear_user() {
  for c in memory cpu pids blkio; do
    d=$(cg "$c" "$1")
    [ -d "$d" ] || continue
    while read -r p; do echo "$p" > "$CG/$c/cgroup.procs" 2>/dev/null; done < "$d/cgroup.procs"
    for sub in "$d"/*/; do [ -d "$sub" ] && rmdir "$sub" 2>/dev/null; done
    rmdir "$d" 2>/dev/null && continue
    lifted "$1" "$c" || return 1
  done
  return 0
}
lifted() {
  d=$(cg "$2" "$1")
  case $2 in
    memory) [ -f "$d/memory.memsw.limit_in_bytes" ] && echo -1 > "$d/memory.memsw.limit_in_bytes"; echo -1 > "$d/memory.limit_in_bytes" ;;
    cpu) echo -1 > "$d/cpu.cfs_quota_us" ;;
    pids) echo max > "$d/pids.max" ;;
  esac
}
# A stray cgroup that still limits something (one lifted for running containers does not).
limits_left() {
  m=$(cg memory "$1")
  [ "$(cat "$m/memory.limit_in_bytes" 2>/dev/null || echo 0)" -lt 9223372036854000000 ] 2>/dev/null && return 0
  [ "$(cat "$(cg cpu "$1")/cpu.cfs_quota_us" 2>/dev/null || echo -1)" != -1 ] && return 0
  [ "$(cat "$(cg pids "$1")/pids.max" 2>/dev/null || echo max)" != max ] && return 0
  return 1
}

differs() {
  u=$1
  want "$u" || return 0
  m=$(cg memory "$u")
  [ -d "$m" ] || { echo "user $u: no cgroup $m" >&2; return 0; }
  got=$(cat "$m/memory.limit_in_bytes")
  [ "$mem" = -1 ] && [ "$got" -ge 9223372036854000000 ] 2>/dev/null && got=-1
  [ "$got" = "$mem" ] || { echo "user $u: memory.limit_in_bytes $got, $mem wanted" >&2; return 0; }
  if [ -f "$m/memory.memsw.limit_in_bytes" ] && [ "$memsw" != -1 ]; then
    [ "$(cat "$m/memory.memsw.limit_in_bytes")" = "$memsw" ] || { echo "user $u: memory.memsw.limit_in_bytes differs" >&2; return 0; }
  fi
  [ "$(cat "$(cg cpu "$u")/cpu.cfs_quota_us" 2>/dev/null)" = "$cpu" ] || { echo "user $u: cpu.cfs_quota_us differs" >&2; return 0; }
  [ "$(cat "$(cg pids "$u")/pids.max" 2>/dev/null)" = "$tasks" ] || { echo "user $u: pids.max differs" >&2; return 0; }
  for k in read write; do
    f=$(cg blkio "$u")/blkio.throttle.\${k}_bps_device
    [ -f "$f" ] || continue
    [ "$(sort "$f")" = "$(io_want "$u" "io_$k" | sort)" ] || { echo "user $u: blkio $k throttle differs" >&2; return 0; }
  done
  for p in $(pids_of "$u"); do
    outside "$u" "$p" && { echo "user $u: process $p runs outside its limits" >&2; return 0; }
  done
  return 1
}

confs() { for f in "$CONF"/*.conf; do u=\${f##*/}; u=\${u%.conf}; isnum "$u" && [ -f "$f" ] && echo "$u"; done; }
strays() { for d in "$CG"/memory/fleetdeck/user-*; do u=\${d##*/user-}; isnum "$u" && [ ! -f "$CONF/$u.conf" ] && echo "$u"; done; }

case \${1:-} in
session)
  [ "\${PAM_TYPE:-}" = open_session ] || exit 0
  u=$(id -u -- "\${PAM_USER:-}" 2>/dev/null) || exit 0
  isnum "$u" && [ "$u" != 0 ] && [ -f "$CONF/$u.conf" ] || exit 0
  # After a reboot the cgroup is gone: the first session makes it again.
  [ -d "$(cg memory "$u")" ] || configure "$u" || exit 1
  join "$u" "$PPID"
  ;;
sync-all)
  rc=0
  for u in $(confs); do configure "$u" && move_in "$u" || rc=1; done
  for u in $(strays); do clear_user "$u" || rc=1; done
  for c in memory cpu pids blkio; do [ -d "$CG/$c/fleetdeck" ] && rmdir "$CG/$c/fleetdeck" 2>/dev/null; done
  exit $rc
  ;;
check-all)
  for u in $(confs); do differs "$u" && exit 1; done
  for u in $(strays); do limits_left "$u" && { echo "user $u: a cgroup without limits to enforce" >&2; exit 1; }; done
  exit 0
  ;;
pam-enabled)
  found=0
  for f in $PAMS; do [ -f "$f" ] || continue; found=1; grep -qF "$HOOK" "$f" || exit 1; done
  [ $found = 1 ]
  ;;
pam-enable)
  found=0
  for f in $PAMS; do
    [ -f "$f" ] || continue
    found=1
    grep -qF "$HOOK" "$f" || printf '%s\\nsession optional pam_exec.so seteuid quiet %s session\\n' "$NOTE" "$HOOK" >> "$f" || exit 1
  done
  [ $found = 1 ] || { echo "neither /etc/pam.d/common-session nor /etc/pam.d/runuser exists: this host's PAM layout is not one Fleetdeck knows" >&2; exit 1; }
  ;;
pam-disable)
  for f in $PAMS; do
    [ -f "$f" ] || continue
    grep -vF -e "$HOOK" -e "$NOTE" "$f" > "$f.fleetdeck-tmp" && cat "$f.fleetdeck-tmp" > "$f" && rm -f "$f.fleetdeck-tmp" || exit 1
  done
  ;;
*)
  echo "usage: $0 session|sync-all|check-all|pam-enable|pam-disable|pam-enabled" >&2
  exit 2
  ;;
esac
`;

const inline = (mode: string) => ['/bin/sh', '-c', CGROUP_SCRIPT, 'fleetdeck-cgroup-limits', mode];
const hook = (mode: string) => [HOOK_PATH, mode];

/** The user's conf: what the script reads. Values in bytes, microseconds per 100 ms, tasks. */
export function cgroupConf(user: string, spec: LimitSpec): string {
  const lines = ['# Managed by Fleetdeck (per-user limits, cgroupfs). Edits here show up as drift and are undone by the next apply.', `# Limits of ${user}.`];
  if (spec.memory !== undefined) lines.push(`memory=${spec.memory}`);
  if (spec.swap !== undefined) lines.push(`swap=${spec.swap}`);
  if (spec.cpu !== undefined) lines.push(`cpu_quota_us=${Math.round(spec.cpu * 100_000)}`);
  if (spec.tasks !== undefined) lines.push(`tasks=${spec.tasks}`);
  for (const d of spec.io ?? []) {
    if (d.read !== undefined) lines.push(`io_read=${d.device} ${d.read}`);
    if (d.write !== undefined) lines.push(`io_write=${d.device} ${d.write}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The resources of the cgroupfs path: the hook, each user's conf (or its removal), PAM, the sync. */
export function cgroupfsResources(confs: { uid: number; content: string | null }[]): Resource[] {
  const files: Resource[] = confs.map(({ uid, content }) => (content === null ? { kind: 'file', path: confPath(uid), content: null } : { kind: 'file', path: confPath(uid), content, mode: 0o644, owner: 'root', group: 'root' }));
  return [
    { kind: 'file', path: HOOK_PATH, content: CGROUP_SCRIPT, mode: 0o755, owner: 'root', group: 'root' },
    ...files,
    {
      kind: 'command',
      id: 'limits-pam-hook',
      label: `Add the PAM session hook (pam_exec ${HOOK_PATH}) to /etc/pam.d/common-session and /etc/pam.d/runuser: every new session of a limited user starts in their cgroup`,
      argv: hook('pam-enable'),
      unless: hook('pam-enabled'),
      // Undone before the hook file goes (a rollback walks the steps back newest first).
      undo: hook('pam-disable'),
    },
    {
      kind: 'command',
      id: 'limits-cgroups',
      label: "Set each limited user's cgroup (memory, cpu, pids, blkio under fleetdeck/user-UID) and move their running processes in",
      argv: hook('sync-all'),
      unless: hook('check-all'),
      // check-all read the confs as they were: a conf rewritten by this plan needs the sync anyway.
      rerunWhen: files.map(resourceId),
      // Once the confs are back (or gone), the cgroups follow them: the earlier limits, or none.
      undo: inline('sync-all'),
      undoLast: true,
    },
  ];
}
