#!/bin/sh
# Starts Fleetdeck's root helper. Run through sudo with no inherited environment:
#
#   sudo -n -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
#     /bin/sh -c <trust.sh + this file> fleetdeck-root-start \
#     USER_DIR HELPER_HASH RUNTIME_ID RUNTIME_SHA NODE_CANDIDATE LOGIN_UID
#
# Root never executes a file that another user could have changed. The helper (and the portable
# Node runtime, when the host's own node is not trustworthy) is copied by root from the login
# user's install dir into /var/lib/fleetdeck/root (root-owned, 0700), checked against the hash the
# app expects, and hashed again right before every start. The host's node is used only when the
# whole path to it can be changed by nobody but root or the login user (file_trusted).
#
# stdout belongs to the helper's protocol: errors go to stderr as `fleetdeck-root-error=CODE`.
set -u
umask 077
ROOT_DIR=/var/lib/fleetdeck/root
SHARED_DIR=/var/lib/fleetdeck

fail() {
  printf 'fleetdeck-root-error=%s\n' "$1" >&2
  exit 3
}

is_hex64() {
  case $1 in
    *[!0-9a-f]*) return 1 ;;
  esac
  [ ${#1} -eq 64 ]
}

# install_verified SRC DEST_DIR NAME HASH: copies SRC into DEST_DIR/NAME through a temp dir beside
# it, keeping it only when its hash is HASH. Returns non-zero (and leaves nothing) otherwise.
install_verified() {
  [ -f "$1" ] && [ ! -L "$1" ] || return 1
  iv_tmp="$ROOT_DIR/.tmp.$$"
  rm -rf "$iv_tmp"
  mkdir -p "$iv_tmp" || return 1
  if ! cp -- "$1" "$iv_tmp/$3" 2>/dev/null || [ "$(sha256_of "$iv_tmp/$3")" != "$4" ]; then
    rm -rf "$iv_tmp"
    return 1
  fi
  chmod 700 "$iv_tmp/$3"
  rm -rf "$2"
  if ! mkdir -p "$(dirname -- "$2")" || ! mv "$iv_tmp" "$2"; then
    rm -rf "$iv_tmp"
    return 1
  fi
}

# publish_runtime FILE ID: a root-owned, world-readable copy of the verified runtime in
# $SHARED_DIR/runtime-ID, so that every user's first connect reuses it instead of pushing 37 MB
# (bootstrap.sh offers it only where the whole path is root's). Best effort: a failure changes nothing.
publish_runtime() {
  pr_tmp="$SHARED_DIR/.runtime-$2.tmp.$$"
  rm -rf "$pr_tmp"
  if mkdir -p -m 755 "$pr_tmp/bin" && cp -- "$1" "$pr_tmp/bin/node" && chmod 755 "$pr_tmp" "$pr_tmp/bin" "$pr_tmp/bin/node" &&
    mv "$pr_tmp" "$SHARED_DIR/runtime-$2"; then
    for old in "$SHARED_DIR"/runtime-*; do
      [ "$old" = "$SHARED_DIR/runtime-$2" ] || rm -rf "$old"
    done
  else
    rm -rf "$pr_tmp"
  fi
}

# verified FILE HASH: FILE is a regular root-owned file in ROOT_DIR with exactly that content now.
verified() {
  [ -f "$1" ] && [ ! -L "$1" ] && [ "$(sha256_of "$1")" = "$2" ]
}

[ $# -eq 6 ] || fail usage
user_dir=$1
helper_hash=$2
runtime_id=$3
runtime_sha=$4
node_candidate=$5
login_uid=$6
[ "$(id -u)" = 0 ] || fail not-root
is_hex64 "$helper_hash" || fail bad-helper-hash
case $user_dir in
  /*) ;;
  *) fail bad-dir ;;
esac
case $runtime_id in
  none) ;;
  '' | *[!A-Za-z0-9._-]*) fail bad-runtime-id ;;
  *) is_hex64 "$runtime_sha" || fail bad-runtime-hash ;;
esac
case $login_uid in
  '' | *[!0-9]*) fail bad-uid ;;
esac

# /var/lib/fleetdeck may hold admins' per-user dirs (u-UID); root's own files live in root/.
[ -d /var/lib/fleetdeck ] || mkdir -m 755 /var/lib/fleetdeck || fail mkdir-failed
[ -d "$ROOT_DIR" ] || mkdir -m 700 "$ROOT_DIR" || fail mkdir-failed
if [ -L "$ROOT_DIR" ] || [ ! -O "$ROOT_DIR" ]; then fail unsafe-root-dir; fi
chmod 700 "$ROOT_DIR"
chain_trusted "$ROOT_DIR" 0 || fail unsafe-root-dir

helper="$ROOT_DIR/helper-$helper_hash/helper.cjs"
if ! verified "$helper" "$helper_hash"; then
  install_verified "$user_dir/helper-$helper_hash/helper.cjs" "$ROOT_DIR/helper-$helper_hash" helper.cjs "$helper_hash" || fail stale-helper
  for old in "$ROOT_DIR"/helper-*; do
    [ "$old" = "$ROOT_DIR/helper-$helper_hash" ] || rm -rf "$old"
  done
fi

node=
if [ -n "$node_candidate" ] && file_trusted "$node_candidate" "$login_uid"; then
  node=$node_candidate
elif [ "$runtime_id" != none ]; then
  runtime="$ROOT_DIR/runtime-$runtime_id/bin/node"
  if ! verified "$runtime" "$runtime_sha"; then
    # The login user's pushed copy, or the one root published for every user (checked all the same).
    install_verified "$user_dir/runtime-$runtime_id/bin/node" "$ROOT_DIR/runtime-$runtime_id/bin" node "$runtime_sha" ||
      install_verified "$SHARED_DIR/runtime-$runtime_id/bin/node" "$ROOT_DIR/runtime-$runtime_id/bin" node "$runtime_sha" || fail need-runtime
    for old in "$ROOT_DIR"/runtime-*; do
      [ "$old" = "$ROOT_DIR/runtime-$runtime_id" ] || rm -rf "$old"
    done
  fi
  node=$runtime
  [ -f "$SHARED_DIR/runtime-$runtime_id/bin/node" ] || publish_runtime "$runtime" "$runtime_id"
fi
[ -n "$node" ] || fail need-runtime

# Checked just above, in a directory only root can write: nothing can swap it before exec.
# The helper starts in / with only PATH and LC_ALL (the shell would export its PWD).
cd / || fail chdir-failed
unset PWD OLDPWD
exec "$node" "$helper"
