/**
 * The per-process files under /proc/PID that attribution reads. Each parser takes the file's text
 * (null when it could not be read: the process exited, or hidepid hides it) and never throws.
 */

export interface PidStat {
  pid: number;
  /** The executable's name as the kernel keeps it (15 chars max); changes on exec. */
  comm: string;
  ppid: number;
  /** utime + stime in clock ticks (USER_HZ), all threads together. */
  cpuTicks: number;
  /** Ticks after boot: with pid, identifies one process even when the pid is reused later. */
  startTime: number;
  rssPages: number;
  kernelThread: boolean;
}

/** PF_KTHREAD in include/linux/sched.h. */
const PF_KTHREAD = 0x00200000;

/**
 * "1234 (my (odd) name) S 1 ...": the name may hold spaces and parentheses, so the fields are
 * counted from the last ")" rather than split from the start.
 */
export function parsePidStat(text: string | null): PidStat | null {
  if (!text) return null;
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(' ');
  // rest[0] is field 3 (state): field N is rest[N - 3].
  const field = (n: number): number => Number(rest[n - 3]);
  const utime = field(14);
  const stime = field(15);
  if (!Number.isInteger(pid) || !Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    ppid: field(4),
    cpuTicks: utime + stime,
    startTime: field(22),
    rssPages: Number.isFinite(field(24)) ? field(24) : 0,
    kernelThread: (field(9) & PF_KTHREAD) !== 0,
  };
}

export interface PidStatus {
  /** Real uid (the first of real, effective, saved, filesystem). */
  uid: number | null;
  vmRssBytes: number | null;
}

export function parsePidStatus(text: string | null): PidStatus {
  const uid = text ? /^Uid:\s+(\d+)/m.exec(text) : null;
  const rss = text ? /^VmRSS:\s+(\d+)\s*kB/m.exec(text) : null;
  return { uid: uid ? Number(uid[1]) : null, vmRssBytes: rss ? Number(rss[1]) * 1024 : null };
}

/** (uid_t)-1 means "not set": processes started outside a login session (boot, systemd services). */
const UNSET_LOGINUID = 4294967295;

export function parseLoginUid(text: string | null): number | null {
  const n = Number(text?.trim() ?? '');
  return text && Number.isInteger(n) && n !== UNSET_LOGINUID && n >= 0 ? n : null;
}

/** argv from the NUL-separated cmdline; empty for kernel threads and zombies. */
export function parseCmdline(text: string | null): string[] {
  if (!text) return [];
  const argv = text.split('\0');
  if (argv[argv.length - 1] === '') argv.pop();
  return argv;
}

/** Long enough to tell `python train.py --lr 3e-4` apart, short enough that browser command lines don't bloat every sample. */
export const MAX_COMMAND_CHARS = 300;

/** The command line as ps shows it; "[comm]" (ps's notation) when there is none, like kernel threads. */
export function commandLine(argv: readonly string[], comm: string): string {
  const joined = argv.join(' ').trim();
  const command = joined || `[${comm}]`;
  return command.length > MAX_COMMAND_CHARS ? `${command.slice(0, MAX_COMMAND_CHARS - 1)}…` : command;
}
