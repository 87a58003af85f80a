/**
 * Paths Fleetdeck owns on a host, named once for the modules that write them (src-main) and the
 * helper that reads them back (verify, apply). Kept without zod so the helper can import it.
 */
/** Homes archived before a delete or at offboarding, removed groups' lines (root only). */
export const ARCHIVE_DIR = '/var/lib/fleetdeck/archive';
/** The per-user limits' PAM session hook and cgroup sync, on hosts without systemd. */
export const CGROUP_HOOK_PATH = '/usr/local/lib/fleetdeck/cgroup-limits';
/** The docker client wrapper that starts a limited user's containers under the user's limits. */
export const DOCKER_WRAPPER_PATH = '/usr/local/bin/docker';
