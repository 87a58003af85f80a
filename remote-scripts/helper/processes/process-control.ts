import type * as z from 'zod/mini';
import { FleetdeckError } from '../../../src-common/problems.js';
import { guardText, processGuard } from '../../../src-common/processes/limits.js';
import type { InspectResult, ProcessIdentity, SignalOutcome, inspectParamsSchema, signalParamsSchema } from '../../../src-common/processes/process-protocol.schema.js';
import type { HelperContext } from '../context.js';
import { parsePasswd } from '../inventory/local-users.js';
import { describeCgroupMembership, parseProcPidCgroup } from '../inventory/proc-pid-cgroup.js';
import { commandLine, parseCmdline, parsePidStat, parsePidStatus } from '../monitor/proc-pid-files.js';

/**
 * process.inspect1: who one process is; and sending it a signal only while it is still that
 * process (pid + start time), with process.kill (no shell, no /bin/kill): the change engine's
 * process step (change/apply.ts) does that. Params are checked by the dispatcher against
 * src-common/processes/process-protocol.schema.ts and the change schemas.
 */
export type { InspectResult, ProcessIdentity, SignalOutcome };

/** The kill(2) call, injectable for tests; throws errors with .code (ESRCH, EPERM) like process.kill. */
export type KillFn = (pid: number, signal: NodeJS.Signals) => void;

function readProc(ctx: HelperContext, p: string): Promise<string | null> {
  return ctx.readProcText ? Promise.resolve(ctx.readProcText(p)) : ctx.readText(p);
}

/** State (field 3) of /proc/PID/stat: Z (zombie) and X (dead) are processes that already exited. */
function pidState(statText: string): string {
  const close = statText.lastIndexOf(')');
  return statText.slice(close + 2, close + 3);
}

interface Snapshot {
  identity: ProcessIdentity;
  kernelThread: boolean;
}

async function snapshot(ctx: HelperContext, pid: number): Promise<Snapshot | null> {
  const statText = await readProc(ctx, `/proc/${pid}/stat`);
  const stat = parsePidStat(statText);
  if (!stat || stat.pid !== pid || !statText) return null;
  const state = pidState(statText);
  if (state === 'Z' || state === 'X') return null;
  const [status, cmdline, cgroup] = await Promise.all([
    readProc(ctx, `/proc/${pid}/status`),
    readProc(ctx, `/proc/${pid}/cmdline`),
    readProc(ctx, `/proc/${pid}/cgroup`),
  ]);
  const uid = parsePidStatus(status).uid;
  // It exited between the reads (or hidepid hides it from us).
  if (uid === null) return null;
  const passwd = parsePasswd((await ctx.readText('/etc/passwd')) ?? '');
  const user = passwd.find((e) => e.uid === uid)?.name ?? null;
  const containerId = cgroup ? describeCgroupMembership(parseProcPidCgroup(cgroup)).containerId : null;
  const command = commandLine(parseCmdline(cmdline), stat.comm);
  const identity: ProcessIdentity = { pid, uid, user, command, startTime: stat.startTime, guard: processGuard({ pid, comm: stat.comm, command, kernelThread: stat.kernelThread }) };
  if (containerId) identity.container = containerId.slice(0, 12);
  return { identity, kernelThread: stat.kernelThread };
}

/** Who holds the pid now (change.read1 of a process resource), or null when nobody does. */
export async function pidOccupant(ctx: HelperContext, pid: number): Promise<{ startTime: number; uid: number; command: string } | null> {
  const snap = await snapshot(ctx, pid);
  return snap ? { startTime: snap.identity.startTime, uid: snap.identity.uid, command: snap.identity.command.slice(0, 4000) } : null;
}

export async function inspectProcess(ctx: HelperContext, params: z.output<typeof inspectParamsSchema>): Promise<InspectResult> {
  const { pid } = params;
  const snap = await snapshot(ctx, pid);
  return snap ? { found: true, process: snap.identity } : { found: false, pid };
}

export interface SignalOptions {
  kill: KillFn;
  /** The helper's own pid: never signalled. */
  selfPid: number;
}

export async function signalProcess(ctx: HelperContext, params: z.output<typeof signalParamsSchema>, opts: SignalOptions): Promise<SignalOutcome> {
  const { pid, startTime, signal } = params;
  if (pid === 1) throw new FleetdeckError('access-denied', 'pid 1 is the init system; Fleetdeck does not signal it.');
  if (pid === opts.selfPid) throw new FleetdeckError('access-denied', `pid ${pid} is the Fleetdeck helper itself; disconnect the host instead.`);
  const snap = await snapshot(ctx, pid);
  if (!snap) return { sent: false, reason: 'already-gone', pid };
  if (snap.identity.startTime !== startTime) {
    throw new FleetdeckError(
      'change-conflict',
      `pid ${pid} is now a different process (${snap.identity.command.slice(0, 80)}, started after the one you chose). Nothing was signalled; plan again.`,
      { pid, expectedStartTime: startTime, actualStartTime: snap.identity.startTime },
    );
  }
  if (snap.kernelThread) throw new FleetdeckError('access-denied', `pid ${pid} is a kernel thread (${snap.identity.command}); it cannot be killed.`);
  // Defence in depth: the core's plan refuses these already; an old or odd core must not get past the helper.
  if (snap.identity.guard === 'fleetdeck') throw new FleetdeckError('access-denied', `pid ${pid}: ${guardText('fleetdeck', '')}`);
  try {
    opts.kill(pid, `SIG${signal}` as NodeJS.Signals);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return { sent: false, reason: 'already-gone', pid };
    if (code === 'EPERM') {
      throw new FleetdeckError('access-denied', `Not allowed to signal pid ${pid} (${snap.identity.user ?? `uid ${snap.identity.uid}`}'s process) as uid ${ctx.uid}: it needs root (sudo).`, { pid });
    }
    throw new FleetdeckError('internal-error', `kill(${pid}, SIG${signal}) failed: ${(err as Error).message}`);
  }
  return { sent: true, pid, startTime, signal };
}

/** The real kill(2), only when /proc is the live host's (never for a helper reading another --root). */
export function liveKill(ctx: HelperContext): KillFn {
  return (pid, signal) => {
    if (!ctx.live) throw new FleetdeckError('invalid-input', `This helper reads ${ctx.root}, not the live host: it signals nothing.`);
    process.kill(pid, signal);
  };
}
