/** Shared by the contract (zod) and the helper (no zod): the limits on what may be signalled. */

/** Linux PID_MAX_LIMIT (2^22): no pid is ever larger. */
export const MAX_PID = 4_194_304;

export const KILL_SIGNALS = ['TERM', 'KILL'] as const;
/** The change engine's module name for process kills: their journals, audit lines and progress say it. */
export const KILL_OWNER = 'processes';
export type KillSignalName = (typeof KILL_SIGNALS)[number];

export function isValidPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PID;
}

/**
 * Processes Fleetdeck never offers to kill, or kills only after a warning. Decided in the helper
 * from /proc (pid, comm, command line, kernel-thread flag) and shared with the UI, which hides
 * the Kill button for the first three, and with the plan, which refuses them.
 *   init        pid 1: killing it stops (or panics) the host
 *   kernel      a kernel thread: signals do nothing, and it is the kernel's
 *   fleetdeck   a Fleetdeck helper (this app's or another admin's): disconnect instead
 *   sshd-listener  the SSH server itself: all new logins, Fleetdeck's too, stop until it is restarted
 *   sshd-session   one SSH session's server side: that session (perhaps yours) ends
 */
export const PROCESS_GUARDS = ['init', 'kernel', 'fleetdeck', 'sshd-listener', 'sshd-session'] as const;
export type ProcessGuard = (typeof PROCESS_GUARDS)[number];
/** Guards that no plan may signal. */
export const NEVER_KILLED: readonly ProcessGuard[] = ['init', 'kernel', 'fleetdeck'];

const HELPER_COMMAND = /\/helper-[0-9a-f]{64}\/helper\.cjs(\s|$)/;

export function processGuard(p: { pid: number; comm: string; command: string; kernelThread: boolean }): ProcessGuard | null {
  if (p.pid === 1) return 'init';
  if (p.kernelThread) return 'kernel';
  if (HELPER_COMMAND.test(p.command)) return 'fleetdeck';
  if (p.comm === 'sshd-session') return 'sshd-session';
  if (p.comm === 'sshd') {
    // "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups" (OpenSSH ≥ 8.x) or "/usr/sbin/sshd -D";
    // a session is "sshd: alice@pts/0", "sshd: alice [priv]", "sshd: alice@notty".
    return /\[listener\]/.test(p.command) || /^(sshd: )?\/\S*sshd(\s|$)/.test(p.command) ? 'sshd-listener' : 'sshd-session';
  }
  return null;
}

/** Why a guarded process is refused or what its plan warns, for a person. */
export function guardText(guard: ProcessGuard, who: string): string {
  switch (guard) {
    case 'init':
      return 'pid 1 is the init system: killing it stops the host (or panics the kernel). Reboot or shut the host down instead.';
    case 'kernel':
      return 'this is a kernel thread: signals do not stop it, and it belongs to the kernel.';
    case 'fleetdeck':
      return 'this is a Fleetdeck helper (this app\'s or another admin\'s): disconnect the host instead.';
    case 'sshd-listener':
      return 'this is the SSH server itself: killing it stops every new SSH login, Fleetdeck\'s included, until someone with console access restarts it (systemctl start ssh).';
    case 'sshd-session':
      return `this is the server side of ${who}'s SSH session: that session ends (if it is yours, your terminal closes).`;
  }
}
