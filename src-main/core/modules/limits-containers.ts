import { DOCKER_WRAPPER_PATH } from '../../../src-common/change/host-paths.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import type { LimitSpec } from '../../../src-common/modules/limits.js';
import { OWNER_LABEL } from '../../../src-common/monitor/labels.js';

/**
 * A limited user's Docker containers under that user's limits (issue 11).
 *
 * Docker does not know who asked for a container (dockerd runs as root and the socket says no
 * more), so the limits are attached where the request starts: /usr/local/bin/docker, ahead of the
 * real client in every login's PATH, is a root-owned wrapper. For a user with a container conf
 * (/etc/fleetdeck/containers.d/UID.conf, written by the engine like every other file) it adds to
 * `docker run` and `docker create`:
 *   - `--cgroup-parent` the user's own cgroup (user-UID.slice with Docker's systemd driver,
 *     /user.slice/user-UID.slice with cgroupfs on a systemd host, /fleetdeck/user-UID without
 *     systemd): the container's processes count against the user's memory, CPU and task limits
 *     together with everything else the user runs, so a container started without flags cannot
 *     exceed the user's memory;
 *   - the label fleetdeck.owner=NAME (the inventory and verify attribute it by that);
 *   - where the user has GPUs allocated, `--gpus device=LIST` in place of whatever --gpus asked.
 * It refuses flags that would step around those (--cgroup-parent, a fleetdeck.owner label,
 * NVIDIA_VISIBLE_DEVICES, another runtime) and a container past the user's maximum, with a message
 * that says why. Root, and users without a conf, get the real client untouched.
 *
 * What it is not: a security boundary. Membership of the docker group is root on the host (a
 * member can mount / into a container or talk to the socket directly); the wrapper keeps honest
 * users' containers inside their limits. Containers created around it (the API, compose) are found
 * by verify, which reads every labelled container back with `docker inspect`, and the apply's sync
 * gives each of them the user's limits of its own with `docker update`.
 */
export const WRAPPER_PATH = DOCKER_WRAPPER_PATH;
export const SYNC_PATH = '/usr/local/lib/fleetdeck/container-limits';
export const CONTAINERS_DIR = '/etc/fleetdeck/containers.d';
/** Where a docker client that stood at WRAPPER_PATH before goes (the wrapper runs it; a rollback moves it back). */
export const MOVED_CLIENT = '/usr/local/lib/fleetdeck/docker-client';
export const containersConfPath = (uid: number) => `${CONTAINERS_DIR}/${uid}.conf`;

export const DOCKER_WRAPPER = `#!/bin/sh
# Fleetdeck: a limited user's containers start under that user's limits. Installed by Fleetdeck;
# root and users without ${CONTAINERS_DIR}/UID.conf get the real docker client untouched.
REAL=
for r in ${MOVED_CLIENT} /usr/bin/docker /bin/docker; do
  [ -x "$r" ] && [ "$r" != "$0" ] && { REAL=$r; break; }
done
[ -n "$REAL" ] || { echo "fleetdeck: the docker client is not at /usr/bin/docker; ask the admin" >&2; exit 127; }
uid=$(id -u)
conf=${CONTAINERS_DIR}/$uid.conf
{ [ "$uid" = 0 ] || [ ! -r "$conf" ]; } && exec "$REAL" "$@"
val() { sed -n "s/^$1=//p" "$conf" | head -n 1; }
die() { echo "fleetdeck: $*" >&2; exit 125; }

# Where the subcommand is: past the client's global options (those with a value skip it).
pos=0; i=0; skip=0; sub=; sub2=
for a do
  i=$((i + 1))
  [ $skip = 1 ] && { skip=0; continue; }
  if [ -z "$sub" ]; then
    case $a in
      -H | --host | -c | --context | --config | -l | --log-level | --tlscacert | --tlscert | --tlskey) skip=1 ;;
      -*) ;;
      *) sub=$a; pos=$i ;;
    esac
  else
    sub2=$a; break
  fi
done
case $sub in
  run | create) ;;
  container) case $sub2 in run | create) pos=$((pos + 1)) ;; *) exec "$REAL" "$@" ;; esac ;;
  *) exec "$REAL" "$@" ;;
esac

name=$(val name)
[ -n "$name" ] || exec "$REAL" "$@"
max=$(val containers)
if [ -n "$max" ]; then
  n=$("$REAL" ps -q --filter "label=${OWNER_LABEL}=$name" | wc -l)
  [ "$n" -lt "$max" ] || die "you have $n running containers, your limit is $max: stop one first (docker ps, docker stop NAME)"
fi
driver=$("$REAL" info --format '{{.CgroupDriver}}' 2>/dev/null)
if [ "$driver" = systemd ]; then parent=$(val parent_systemd); else parent=$(val parent_cgroupfs); fi
[ -n "$parent" ] || die "Docker's \${driver:-unknown} cgroup driver cannot place containers under your limits on this host: ask the admin"
gpus=$(val gpus)
[ -n "$gpus" ] && gpus="\\"device=$gpus\\""
[ -n "$gpus" ] || gpus=$(val gpu_count)

# The same arguments, Fleetdeck's added after the subcommand. Only the run options are looked at
# (up to the image): the container's own command is passed on as it is. POSIX sh has no arrays,
# so the arguments are rotated through "$@".
n=$#; i=0; state=global; value=0; gpuvalue=0
for a do
  i=$((i + 1))
  if [ $state = opts ] && [ $value = 1 ]; then
    value=0
    [ "$gpuvalue" = 1 ] && { gpuvalue=0; continue; }
    case $a in *NVIDIA_VISIBLE_DEVICES* | *CUDA_VISIBLE_DEVICES*) die "your containers see only your GPUs (ask with --gpus): leave out $a" ;; *${OWNER_LABEL}*) die "the ${OWNER_LABEL} label is set for you: leave it out" ;; esac
  elif [ $state = opts ]; then
    gpuvalue=0
    case $a in
      --) state=rest ;;
      --cgroup-parent | --cgroup-parent=*) die "your containers run under your limits (the cgroup parent is set for you): leave out --cgroup-parent" ;;
      --runtime | --runtime=*) die "your containers run with Docker's default runtime: leave out --runtime" ;;
      --gpus=*) [ -n "$gpus" ] && { set -- "$@" --gpus "$gpus"; continue; } ;;
      --gpus) [ -n "$gpus" ] && { set -- "$@" --gpus "$gpus"; value=1; gpuvalue=1; continue; }; value=1 ;;
      *NVIDIA_VISIBLE_DEVICES* | *CUDA_VISIBLE_DEVICES*) die "your containers see only your GPUs (ask with --gpus): leave out $a" ;;
      *${OWNER_LABEL}*) die "the ${OWNER_LABEL} label is set for you: leave it out" ;;
      --*=*) ;;
      --detach | --interactive | --tty | --rm | --privileged | --init | --read-only | --publish-all | --no-healthcheck | --oom-kill-disable | --sig-proxy | --disable-content-trust | --quiet | --help) ;;
      --*) value=1 ;;
      -[acehlmpuvw] | -[ditPq]*[acehlmpuvw]) value=1 ;;
      -*) ;;
      *) state=rest ;;
    esac
  fi
  set -- "$@" "$a"
  if [ $i = $pos ]; then
    state=opts
    set -- "$@" --cgroup-parent "$parent" --label "${OWNER_LABEL}=$name"
  fi
done
shift $n
exec "$REAL" "$@"
`;

/**
 * Root's side: containers of limited users that did not come through the wrapper (or came before
 * the limits) get the user's limits each with `docker update`. `sync` does it, `check` exits 0
 * when nothing needs doing (and says what does otherwise).
 */
export const CONTAINER_SYNC = `#!/bin/sh
# Fleetdeck: containers of limited users under their limits. Installed by Fleetdeck.
#   sync    docker update every labelled container of a limited user that is outside the user's cgroup
#   check   exit 0 when no container needs that
set -u
unset IFS
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
CONF=${CONTAINERS_DIR}
command -v docker > /dev/null 2>&1 || exit 0
docker info > /dev/null 2>&1 || { echo "docker is not running: no containers to limit" >&2; exit 0; }
val() { sed -n "s/^$2=//p" "$1" | head -n 1; }
rc=0
for f in "$CONF"/*.conf; do
  [ -f "$f" ] || continue
  name=$(val "$f" name); mem=$(val "$f" memory); swap=$(val "$f" swap); cpus=$(val "$f" cpus); tasks=$(val "$f" tasks)
  [ -n "$name" ] || continue
  for id in $(docker ps -q --filter "label=${OWNER_LABEL}=$name"); do
    got=$(docker inspect --format '{{.HostConfig.Memory}}|{{.HostConfig.NanoCpus}}|{{with .HostConfig.PidsLimit}}{{.}}{{else}}0{{end}}|{{.HostConfig.CgroupParent}}' "$id") || continue
    IFS='|' read -r cmem ccpu ctasks parent <<EOF
$got
EOF
    [ -n "$parent" ] && { [ "$parent" = "$(val "$f" parent_systemd)" ] || [ "$parent" = "$(val "$f" parent_cgroupfs)" ]; } && continue
    want=
    [ -n "$mem" ] && [ "$cmem" != "$mem" ] && want="$want --memory $mem --memory-swap $((mem + \${swap:-0}))"
    [ -n "$cpus" ] && [ "$ccpu" != "$(echo "$cpus" | awk '{printf "%d", $1 * 1000000000}')" ] && want="$want --cpus $cpus"
    [ -n "$tasks" ] && [ "$ctasks" != "$tasks" ] && want="$want --pids-limit $tasks"
    [ -n "$want" ] || continue
    if [ "\${MODE:-check}" = sync ]; then
      docker update $want "$id" > /dev/null || rc=1
    else
      echo "container $id of $name runs outside $name's limits" >&2
      rc=1
    fi
  done
done
exit $rc
`;

/** A client already at WRAPPER_PATH that is not Fleetdeck's wrapper: moved aside, and back. */
const MOVE_CLIENT = `set -u
W=${WRAPPER_PATH}; M=${MOVED_CLIENT}
ours() { [ -f "$W" ] && grep -q 'Fleetdeck: a limited user' "$W"; }
case $1 in
  moved) [ ! -e "$W" ] || ours ;;
  move) ours || [ ! -e "$W" ] || { mkdir -p "\${M%/*}" && mv -f "$W" "$M"; } ;;
  back) [ -e "$M" ] || exit 0; { [ ! -e "$W" ] || ours; } && mv -f "$M" "$W" ;;
esac`;

/** What the wrapper and the sync read for one user. */
export function containersConf(user: string, parents: { systemd: string | null; cgroupfs: string }, spec: LimitSpec): string {
  const lines = ['# Managed by Fleetdeck (per-user limits, containers). Edits here show up as drift and are undone by the next apply.', `name=${user}`];
  if (parents.systemd) lines.push(`parent_systemd=${parents.systemd}`);
  lines.push(`parent_cgroupfs=${parents.cgroupfs}`);
  if (spec.memory !== undefined) lines.push(`memory=${spec.memory}`);
  if (spec.swap !== undefined) lines.push(`swap=${spec.swap}`);
  if (spec.cpu !== undefined) lines.push(`cpus=${spec.cpu}`);
  if (spec.tasks !== undefined) lines.push(`tasks=${spec.tasks}`);
  if (spec.containers !== undefined) lines.push(`containers=${spec.containers}`);
  if (Array.isArray(spec.gpus)) lines.push(`gpus=${spec.gpus.join(',')}`);
  else if (spec.gpus !== undefined) lines.push(`gpu_count=${spec.gpus}`);
  return `${lines.join('\n')}\n`;
}

/** The user's cgroup, as Docker's drivers name a parent: a slice (systemd) or an absolute path (cgroupfs). */
export function containerParents(uid: number, viaSystemd: boolean): { systemd: string | null; cgroupfs: string } {
  return viaSystemd ? { systemd: `user-${uid}.slice`, cgroupfs: `/user.slice/user-${uid}.slice` } : { systemd: null, cgroupfs: `/fleetdeck/user-${uid}` };
}

const sync = (mode: 'sync' | 'check'): string[] => ['/usr/bin/env', `MODE=${mode}`, SYNC_PATH];

/** The wrapper, the sync, each user's conf (or its removal), and the sync run. */
export function containerResources(confs: { uid: number; content: string | null }[]): Resource[] {
  if (!confs.length) return [];
  const anyLeft = confs.some((c) => c.content !== null);
  return [
    ...confs.map(({ uid, content }): Resource => (content === null ? { kind: 'file', path: containersConfPath(uid), content: null } : { kind: 'file', path: containersConfPath(uid), content, mode: 0o644, owner: 'root', group: 'root' })),
    ...(anyLeft
      ? ([
          {
            kind: 'command',
            id: 'limits-docker-client',
            label: `Move the host's own docker client away from ${WRAPPER_PATH} (where the wrapper goes) to ${MOVED_CLIENT}; the wrapper runs it`,
            argv: ['/bin/sh', '-c', MOVE_CLIENT, 'fleetdeck-docker-client', 'move'],
            unless: ['/bin/sh', '-c', MOVE_CLIENT, 'fleetdeck-docker-client', 'moved'],
            // Undone after the wrapper is removed (a rollback walks back newest first).
            undo: ['/bin/sh', '-c', MOVE_CLIENT, 'fleetdeck-docker-client', 'back'],
          },
          { kind: 'file', path: WRAPPER_PATH, content: DOCKER_WRAPPER, mode: 0o755, owner: 'root', group: 'root' },
          { kind: 'file', path: SYNC_PATH, content: CONTAINER_SYNC, mode: 0o755, owner: 'root', group: 'root' },
          {
            kind: 'command',
            id: 'limits-containers',
            label: "Give the limited users' running containers that are outside their cgroup the user's limits (docker update)",
            argv: sync('sync'),
            unless: sync('check'),
            rerunWhen: confs.filter((c) => c.content !== null).map((c) => `file:${containersConfPath(c.uid)}`),
            undoneWith: 'a container keeps the limits docker update gave it until it is removed (docker update can lift them)',
          },
        ] satisfies Resource[])
      : []),
  ];
}
