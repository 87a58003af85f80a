#!/bin/sh
# Fleetdeck bootstrap: the first shell code Fleetdeck runs on a host, as the login user.
# It is sent over SSH as `sh -c <trust.sh + this file> fleetdeck-bootstrap MODE ARGS...`;
# arguments are validated below, so nothing from the app is ever interpreted by the shell.
# (root-start.sh is the other one: it starts the root helper through sudo.)
#
#   probe HELPER_HASH RUNTIME_ID         facts as key=value lines (arch, libc, node, dirs, sudo)
#   install-helper DIR HELPER_HASH       stdin = helper bundle; verified, renamed into place
#   install-runtime DIR RUNTIME_ID SHA   stdin = gzip'd node binary; verified, renamed into place
#
# Install dirs are content-addressed (helper-<sha256>/, runtime-<id>/) so a half-written or stale
# copy is never used: files land in a temp dir beside the target and are renamed only once their
# hash matches.
set -u
umask 022
NL='
'

die() {
  printf 'error=%s\n' "$1"
  exit 3
}

is_hex64() {
  case $1 in
    *[!0-9a-f]*) return 1 ;;
  esac
  [ ${#1} -eq 64 ]
}

is_runtime_id() {
  case $1 in
    '' | *[!A-Za-z0-9._-]*) return 1 ;;
  esac
  return 0
}

# An install dir is usable when it is safe (or we can create it so), and we can execute a file
# from it (not a noexec mount). 0 = usable, 2 = noexec, 3 = unsafe ownership/permissions, 1 = other.
dir_usable() {
  if [ ! -e "$1" ] && [ ! -L "$1" ]; then
    mkdir -p "$(dirname "$1")" 2>/dev/null && mkdir "$1" 2>/dev/null || return 1
    if [ "$(id -u)" = 0 ]; then chmod 755 "$1"; else chmod 700 "$1"; fi
  fi
  dir_safe "$1" || return 3
  probe_file=$(mktemp "$1/.exec-probe.XXXXXX" 2>/dev/null) || return 1
  printf '#!/bin/sh\nexit 0\n' >"$probe_file"
  chmod 700 "$probe_file"
  if "$probe_file" 2>/dev/null; then
    rm -f "$probe_file"
    return 0
  fi
  rm -f "$probe_file"
  return 2
}

report_dir() {
  # key=value with df figures when df can say
  free_kb=$(df -Pk "$1" 2>/dev/null | awk 'NR==2 {print $4}')
  free_inodes=$(df -Pi "$1" 2>/dev/null | awk 'NR==2 {print $4}')
  printf 'dir_free_bytes=%s\n' "$(( ${free_kb:-0} * 1024 ))"
  printf 'dir_free_inodes=%s\n' "${free_inodes:-unknown}"
}

node_usable() {
  # usable = runs and is >= 18
  v=$("$1" --version 2>/dev/null) || return 1
  major=${v#v}
  major=${major%%.*}
  case $major in
    '' | *[!0-9]*) return 1 ;;
  esac
  [ "$major" -ge 18 ] || return 1
  printf '%s' "$v"
}

do_probe() {
  helper_hash=$1
  runtime_id=$2
  is_hex64 "$helper_hash" || die "bad-helper-hash"
  is_runtime_id "$runtime_id" || die "bad-runtime-id"

  printf 'bootstrap=1\n'
  printf 'arch=%s\n' "$(uname -m)"
  printf 'kernel=%s\n' "$(uname -r)"
  uid=$(id -u)
  printf 'uid=%s\n' "$uid"
  printf 'user=%s\n' "$(id -un 2>/dev/null || echo unknown)"

  if ls /lib/ld-musl-* >/dev/null 2>&1; then
    printf 'libc=musl\n'
  elif command -v getconf >/dev/null 2>&1 && getconf GNU_LIBC_VERSION >/dev/null 2>&1; then
    printf 'libc=glibc\nlibc_version=%s\n' "$(getconf GNU_LIBC_VERSION | awk '{print $2}')"
  else
    printf 'libc=unknown\n'
  fi

  # A node that another user could change is never run, not even for --version: they would get
  # this user's rights (and root's, if this user can sudo). See file_trusted in trust.sh.
  for candidate in "$(command -v node 2>/dev/null)" /usr/bin/node /usr/local/bin/node /usr/bin/nodejs; do
    if [ -z "$candidate" ] || [ ! -x "$candidate" ]; then continue; fi
    if ! file_trusted "$candidate" "$uid"; then
      printf 'node_untrusted=%s\n' "$candidate"
      continue
    fi
    if version=$(node_usable "$candidate"); then
      printf 'node_path=%s\nnode_version=%s\n' "$candidate" "$version"
      break
    fi
  done

  # sudo is run by absolute path, and only a root-owned one that nobody else can replace (a planted
  # "sudo" earlier in PATH would be handed the sudo password).
  sudo_path=
  for candidate in "$(command -v sudo 2>/dev/null)" /usr/bin/sudo /bin/sudo /usr/local/bin/sudo; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && file_trusted "$candidate" 0; then
      sudo_path=$candidate
      break
    fi
  done
  if [ -n "$sudo_path" ]; then
    printf 'sudo_path=%s\n' "$sudo_path"
    if "$sudo_path" -n true >/dev/null 2>&1; then printf 'sudo=nopasswd\n'; else printf 'sudo=password\n'; fi
  elif command -v sudo >/dev/null 2>&1; then
    printf 'sudo=untrusted\nsudo_untrusted=%s\n' "$(command -v sudo)"
  else
    printf 'sudo=absent\n'
  fi

  # Candidate install dirs, best first. Never /tmp: it is world-writable and often noexec.
  if [ "$uid" = 0 ]; then
    set -- /var/lib/fleetdeck
  else
    set -- "${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/fleetdeck" "/var/lib/fleetdeck/u-$uid"
  fi
  chosen=
  for dir in "$@"; do
    dir_usable "$dir"
    rc=$?
    case $rc in
      0) state=ok ;;
      2) state=noexec ;;
      3) state=unsafe ;;
      *) state=unwritable ;;
    esac
    printf 'candidate=%s:%s\n' "$state" "$dir"
    if [ -z "$chosen" ] && [ "$rc" = 0 ]; then chosen=$dir; fi
  done
  if [ -z "$chosen" ]; then
    printf 'dir=\n'
    return 0
  fi
  printf 'dir=%s\n' "$chosen"
  report_dir "$chosen"

  helper="$chosen/helper-$helper_hash/helper.cjs"
  if [ -f "$helper" ] && [ "$(sha256_of "$helper")" = "$helper_hash" ]; then
    printf 'helper_present=yes\n'
  else
    printf 'helper_present=no\n'
  fi
  runtime="$chosen/runtime-$runtime_id/bin/node"
  if [ -x "$runtime" ] && version=$(node_usable "$runtime"); then
    printf 'runtime_present=yes\nruntime_version=%s\n' "$version"
  else
    printf 'runtime_present=no\n'
    # The copy root published when an admin's session first went through sudo (root-start.sh):
    # pushed once per host, not once per user. Used only where nobody but root can change it.
    shared="/var/lib/fleetdeck/runtime-$runtime_id/bin/node"
    if [ "$runtime_id" != none ] && [ -x "$shared" ] && file_trusted "$shared" 0 && version=$(node_usable "$shared"); then
      printf 'runtime_shared=%s\nruntime_version=%s\n' "$shared" "$version"
    fi
  fi
}

# The target dir must be one that probe offered: an absolute path without "..".
check_dir() {
  case $1 in
    /*) ;;
    *) die "bad-dir" ;;
  esac
  case $1 in
    *..* | *"$NL"*) die "bad-dir" ;;
  esac
  dir_safe "$1" || die "unsafe-dir"
}

do_install_helper() {
  dir=$1
  helper_hash=$2
  check_dir "$dir"
  is_hex64 "$helper_hash" || die "bad-helper-hash"
  tmp="$dir/.helper-$helper_hash.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp" || die "mkdir-failed"
  cat >"$tmp/helper.cjs" || { rm -rf "$tmp"; die "write-failed"; }
  actual=$(sha256_of "$tmp/helper.cjs")
  if [ "$actual" != "$helper_hash" ]; then
    rm -rf "$tmp"
    die "hash-mismatch:$actual"
  fi
  rm -rf "$dir/helper-$helper_hash"
  mv "$tmp" "$dir/helper-$helper_hash" || { rm -rf "$tmp"; die "rename-failed"; }
  # Older helpers are garbage: keep only the current one.
  for old in "$dir"/helper-*; do
    [ "$old" = "$dir/helper-$helper_hash" ] || rm -rf "$old"
  done
  printf 'installed=%s\n' "$dir/helper-$helper_hash/helper.cjs"
}

do_install_runtime() {
  dir=$1
  runtime_id=$2
  expected=$3
  check_dir "$dir"
  is_runtime_id "$runtime_id" || die "bad-runtime-id"
  is_hex64 "$expected" || die "bad-runtime-hash"
  command -v gzip >/dev/null 2>&1 || die "gzip-missing"
  tmp="$dir/.runtime-$runtime_id.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/bin" || die "mkdir-failed"
  if ! gzip -dc >"$tmp/bin/node"; then
    rm -rf "$tmp"
    die "write-failed"
  fi
  actual=$(sha256_of "$tmp/bin/node")
  if [ "$actual" != "$expected" ]; then
    rm -rf "$tmp"
    die "hash-mismatch:$actual"
  fi
  chmod 755 "$tmp/bin/node"
  if ! node_usable "$tmp/bin/node" >/dev/null; then
    rm -rf "$tmp"
    die "runtime-does-not-run"
  fi
  rm -rf "$dir/runtime-$runtime_id"
  mv "$tmp" "$dir/runtime-$runtime_id" || { rm -rf "$tmp"; die "rename-failed"; }
  printf 'installed=%s\n' "$dir/runtime-$runtime_id/bin/node"
}

mode=${1:-}
[ $# -gt 0 ] && shift
case $mode in
  probe) [ $# -eq 2 ] || die "usage"; do_probe "$1" "$2" ;;
  install-helper) [ $# -eq 2 ] || die "usage"; do_install_helper "$1" "$2" ;;
  install-runtime) [ $# -eq 3 ] || die "usage"; do_install_runtime "$1" "$2" "$3" ;;
  *) die "usage" ;;
esac
