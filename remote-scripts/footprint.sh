#!/bin/sh
# What Fleetdeck put on a host, listed or removed. Sent with trust.sh before it, as
# `sh -c <trust.sh + this file> fleetdeck-footprint MODE DIR` — as the login user for its own
# install dir, or as root through sudo (env -i, fixed PATH) for /var/lib/fleetdeck/root.
#
#   list DIR     one line per item: item=KIND:BYTES:PATH (KIND: helper, runtime, temp, agent); as
#                root also the runtime root published for all users (/var/lib/fleetdeck/runtime-*);
#                as the login user the per-user agent (DIR/agent, the agent module without root)
#   remove DIR   removes those items (the per-user agent stopped first), then DIR when it is empty (and /var/lib/fleetdeck when
#                root empties it); one line per item: removed=PATH
#
# Only Fleetdeck's own names are touched (helper-*, runtime-*, its temp dirs): a file a user put
# beside them stays, and so does the dir then.
set -u
umask 077

fail() {
  printf 'error=%s\n' "$1"
  exit 3
}

[ $# -eq 2 ] || fail usage
mode=$1
dir=$2
case $dir in
  /*) ;;
  *) fail bad-dir ;;
esac
case $dir in
  *..*) fail bad-dir ;;
esac
if [ ! -e "$dir" ] && [ ! -L "$dir" ]; then
  printf 'absent=%s\n' "$dir"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  [ "$dir" = /var/lib/fleetdeck/root ] || fail bad-dir
  if [ -L "$dir" ] || [ ! -O "$dir" ]; then fail unsafe-dir; fi
else
  dir_safe "$dir" || fail unsafe-dir
fi

kind_of() {
  case ${1##*/} in
    helper-*) echo helper ;;
    runtime-*) echo runtime ;;
    agent) echo agent ;;
    *) echo temp ;;
  esac
}

# Root's footprint includes the runtime it published for every user beside its own dir.
shared=
if [ "$(id -u)" = 0 ]; then shared="/var/lib/fleetdeck/runtime-* /var/lib/fleetdeck/.runtime-*.tmp.*"; fi

# The per-user agent: its pid file's process, only if that runs the agent's own node (not a recycled pid).
stop_agent() {
  me=$(cd "$1" 2>/dev/null && pwd -P)/node
  p=$(cat "$1/pid" 2>/dev/null) || return 0
  case $p in '' | *[!0-9]*) return 0 ;; esac
  e=$(readlink "/proc/$p/exe" 2>/dev/null) || return 0
  if [ "$e" = "$me" ] || [ "$e" = "$me (deleted)" ]; then
    kill "$p" 2>/dev/null
    i=0
    while [ -e "/proc/$p" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if [ -e "/proc/$p" ]; then kill -9 "$p" 2>/dev/null; sleep 0.5; fi
    [ -e "/proc/$p" ] && fail "agent-still-running:$p"
  fi
  return 0
}
# shellcheck disable=SC2086 # $shared is two fixed globs, split on purpose
for item in "$dir"/helper-* "$dir"/runtime-* "$dir"/agent "$dir"/.helper-*.tmp.* "$dir"/.runtime-*.tmp.* "$dir"/.exec-probe.* "$dir"/.tmp.* $shared; do
  [ -e "$item" ] || [ -L "$item" ] || continue
  case $mode in
    list)
      kb=$(du -sk -- "$item" 2>/dev/null | cut -f1)
      printf 'item=%s:%s:%s\n' "$(kind_of "$item")" "$(( ${kb:-0} * 1024 ))" "$item"
      ;;
    remove)
      [ "$item" = "$dir/agent" ] && stop_agent "$item"
      rm -rf -- "$item" || fail "remove-failed:$item"
      printf 'removed=%s\n' "$item"
      ;;
    *) fail usage ;;
  esac
done

if [ "$mode" = remove ]; then
  rmdir -- "$dir" 2>/dev/null && printf 'removed=%s\n' "$dir"
  if [ "$(id -u)" = 0 ]; then rmdir /var/lib/fleetdeck 2>/dev/null && printf 'removed=/var/lib/fleetdeck\n'; fi
fi
exit 0
