# shellcheck shell=sh
# Fleetdeck's trust checks, shared by bootstrap.sh (run as the login user) and root-start.sh (run
# as root through sudo). The core prepends this file to each of them before sending it, so both
# stages judge a path by the same rules. POSIX sh, no bashisms.
#
# The rule: a file may be executed by Fleetdeck (and above all by root) only when nobody but root
# or the given uid can change it. Every directory from the file up to / must be owned by root or
# that uid and not writable by group or others; a world-writable directory is tolerated only with
# the sticky bit (like /tmp), where others cannot replace entries they do not own.

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 "$1" | sed 's/^.*= *//'
  else
    echo none
  fi
}

# The physical directory of a path's parent (symlinks resolved), or failure.
physical_dir() {
  (cd -P -- "$(dirname -- "$1")" 2>/dev/null && pwd -P)
}

# chain_trusted PATH UID: PATH (already physical) and each directory above it are owned by root
# or UID, and none is group/other-writable unless it is a sticky directory.
chain_trusted() {
  ct_path=$1
  while :; do
    ct_info=$(stat -c '%u %a' -- "$ct_path" 2>/dev/null) || return 1
    ct_owner=${ct_info%% *}
    ct_mode=${ct_info#* }
    case $ct_owner in
      0 | "$2") ;;
      *) return 1 ;;
    esac
    if [ $((0$ct_mode & 022)) -ne 0 ]; then
      [ -d "$ct_path" ] && [ ! -L "$ct_path" ] && [ $((0$ct_mode & 01000)) -ne 0 ] || return 1
    fi
    [ "$ct_path" = / ] && return 0
    ct_path=$(dirname -- "$ct_path")
  done
}

# file_trusted FILE UID: FILE is a regular file that only root or UID can change, reached
# through symlinks (at most 16 hops) that only root or UID can redirect.
file_trusted() {
  ft_file=$1
  ft_hops=0
  while [ -L "$ft_file" ]; do
    ft_hops=$((ft_hops + 1))
    [ "$ft_hops" -le 16 ] || return 1
    ft_dir=$(physical_dir "$ft_file") || return 1
    chain_trusted "$ft_dir" "$2" || return 1
    ft_link=$(readlink -- "$ft_file") || return 1
    case $ft_link in
      /*) ft_file=$ft_link ;;
      *) ft_file=$ft_dir/$ft_link ;;
    esac
  done
  [ -f "$ft_file" ] || return 1
  ft_dir=$(physical_dir "$ft_file") || return 1
  chain_trusted "$ft_dir/$(basename -- "$ft_file")" "$2"
}

# dir_safe DIR: an install dir we own, that nobody else can write to or replace: not a symlink,
# not group/other-writable, and every directory above it owned by us or root and not writable by
# others (a 0775 or non-sticky 0777 parent fails). Otherwise another local user could plant a
# "runtime" or "helper" that we, or root, would execute.
dir_safe() {
  [ -d "$1" ] && [ ! -L "$1" ] && [ -O "$1" ] || return 1
  ds_mode=$(stat -c %a -- "$1" 2>/dev/null) || return 1
  [ $((0$ds_mode & 022)) -eq 0 ] || return 1
  ds_parent=$(physical_dir "$1") || return 1
  chain_trusted "$ds_parent" "$(id -u)"
}
