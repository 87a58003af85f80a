import { describe, expect, it } from 'vitest';
import { fakeContext } from '../inventory/fake-context.test-util.js';
import { helperApi } from '../../../src-common/protocol/helper-api.js';
import { createDispatcher } from '../dispatch.js';
import { inspectProcess, signalProcess, type KillFn } from './process-control.js';

const CID = 'a'.repeat(64);

function stat(pid: number, comm: string, startTime: number, state = 'R'): string {
  // Fields 3.. after "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads itreal starttime vsize rss
  return `${pid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1 4194304 0 0 0 0 5 6 0 0 20 0 1 0 ${startTime} 1000 200 0`;
}

function host(extra: Record<string, string> = {}) {
  return fakeContext({
    uid: 1000,
    files: {
      '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/bash\ncarol:x:1001:1001::/home/carol:/bin/bash\n',
      '/proc/209/stat': stat(209, 'sh', 5555),
      '/proc/209/status': 'Name:\tsh\nUid:\t1001\t1001\t1001\t1001\n',
      '/proc/209/cmdline': 'sh\0-c\0while :; do :; done\0',
      '/proc/209/cgroup': `0::/system.slice/docker-${CID}.scope\n`,
      '/proc/300/stat': stat(300, 'zomb', 10, 'Z'),
      '/proc/300/status': 'Uid:\t1001\t1001\t1001\t1001\n',
      '/proc/2/stat': '2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0 0',
      '/proc/2/status': 'Uid:\t0\t0\t0\t0\n',
      ...extra,
    },
  });
}

function recorder(fail?: string): KillFn & { calls: [number, string][] } {
  const calls: [number, string][] = [];
  const fn = ((pid: number, sig: string) => {
    calls.push([pid, sig]);
    if (fail) throw Object.assign(new Error(fail), { code: fail });
  }) as KillFn & { calls: [number, string][] };
  fn.calls = calls;
  return fn;
}

describe('process.inspect1', () => {
  it('reads who a process is: uid, user, command, start time, container', async () => {
    expect(await inspectProcess(host(), { pid: 209 })).toEqual({
      found: true,
      process: { pid: 209, uid: 1001, user: 'carol', command: 'sh -c while :; do :; done', startTime: 5555, container: CID.slice(0, 12), guard: null },
    });
  });

  it('says not found for a missing pid and for a zombie', async () => {
    expect(await inspectProcess(host(), { pid: 4242 })).toEqual({ found: false, pid: 4242 });
    expect(await inspectProcess(host(), { pid: 300 })).toEqual({ found: false, pid: 300 });
  });

  it.each([{ pid: -3 }, { pid: 0 }, { pid: 'a;rm' }, { pid: 1.5 }, { pid: 4_194_305 }, {}, null])('refuses bad input %j', async (params) => {
    // Params are checked by the dispatcher, against the declared schema, before any handler runs.
    await expect(createDispatcher(host(), false).call(helperApi.processInspect.method, params, new AbortController().signal)).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(/^process\.inspect1: /) });
  });
});

describe('signalling a process (the change engine\'s process step)', () => {
  it('signals the process when its start time still matches', async () => {
    const kill = recorder();
    expect(await signalProcess(host(), { pid: 209, startTime: 5555, signal: 'TERM' }, { kill, selfPid: 99 })).toEqual({ sent: true, pid: 209, startTime: 5555, signal: 'TERM' });
    expect(kill.calls).toEqual([[209, 'SIGTERM']]);
  });

  it('refuses with change-conflict when the pid now belongs to another process', async () => {
    const kill = recorder();
    await expect(signalProcess(host(), { pid: 209, startTime: 1234, signal: 'KILL' }, { kill, selfPid: 99 })).rejects.toMatchObject({ problem: 'change-conflict' });
    expect(kill.calls).toEqual([]);
  });

  it('answers already-gone when the process exited (before or during the signal)', async () => {
    expect(await signalProcess(host(), { pid: 4242, startTime: 1, signal: 'TERM' }, { kill: recorder(), selfPid: 99 })).toEqual({ sent: false, reason: 'already-gone', pid: 4242 });
    expect(await signalProcess(host(), { pid: 209, startTime: 5555, signal: 'TERM' }, { kill: recorder('ESRCH'), selfPid: 99 })).toMatchObject({ sent: false });
  });

  it('turns EPERM into access-denied that names the owner', async () => {
    await expect(signalProcess(host(), { pid: 209, startTime: 5555, signal: 'TERM' }, { kill: recorder('EPERM'), selfPid: 99 })).rejects.toMatchObject({
      problem: 'access-denied',
      message: expect.stringContaining('carol'),
    });
  });

  it('never signals init, itself or a kernel thread', async () => {
    const kill = recorder();
    await expect(signalProcess(host(), { pid: 1, startTime: 1, signal: 'KILL' }, { kill, selfPid: 99 })).rejects.toMatchObject({ problem: 'access-denied' });
    await expect(signalProcess(host(), { pid: 209, startTime: 5555, signal: 'KILL' }, { kill, selfPid: 209 })).rejects.toMatchObject({ problem: 'access-denied' });
    await expect(signalProcess(host(), { pid: 2, startTime: 3, signal: 'KILL' }, { kill, selfPid: 99 })).rejects.toMatchObject({ problem: 'access-denied' });
    expect(kill.calls).toEqual([]);
  });

  it.each([
    { pid: 209, startTime: 5555, signal: 'HUP' },
    { pid: 209, startTime: 5555 },
    { pid: 209, startTime: '5555', signal: 'TERM' },
    { pid: '209; rm -rf /', startTime: 5555, signal: 'TERM' },
    { pid: 0, startTime: 5555, signal: 'TERM' },
  ])('refuses a bad process resource %j before reading anything (the engine plans kills with it)', async (bad) => {
    const params = { backend: 'apt', manager: 'systemd', resources: [{ kind: 'process', label: 'kill', asRoot: false, ...bad }] };
    await expect(createDispatcher(host(), false).call(helperApi.changeRead.method, params, new AbortController().signal)).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(/^change\.read1: /) });
  });

  it('reads who holds a pid for a plan (change.read1): the process, or nobody', async () => {
    const resources = [209, 4242].map((pid) => ({ kind: 'process', pid, startTime: 5555, signal: 'TERM', label: 'kill', asRoot: false }));
    const r = (await createDispatcher(host(), false).call(helperApi.changeRead.method, { backend: 'apt', manager: 'systemd', resources }, new AbortController().signal)) as { observed: unknown[] };
    expect(r.observed).toEqual([{ kind: 'process', current: { startTime: 5555, uid: 1001, command: expect.stringContaining('while') } }, { kind: 'process', current: null }]);
  });
});
