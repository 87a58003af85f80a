import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_CHARS, commandLine, parseCmdline, parseLoginUid, parsePidStat, parsePidStatus } from './proc-pid-files.js';

describe('/proc/PID/stat', () => {
  it('counts fields from the last ")" so names with spaces and parentheses parse', () => {
    const line = '1523 ((sd-pam)) S 1522 1522 1522 0 -1 1077936448 47 0 0 0 12 30 0 0 20 0 1 0 2400 104361984 1234 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0';
    expect(parsePidStat(line)).toEqual({ pid: 1523, comm: '(sd-pam)', ppid: 1522, cpuTicks: 42, startTime: 2400, rssPages: 1234, kernelThread: false });
    const odd = parsePidStat('77 (tmux: server) R 1 77 77 0 -1 4194560 0 0 0 0 500 250 0 0 20 0 1 0 99 1 10 0')!;
    expect(odd).toMatchObject({ comm: 'tmux: server', cpuTicks: 750, startTime: 99, rssPages: 10 });
  });

  it('flags kernel threads (PF_KTHREAD)', () => {
    expect(parsePidStat('2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 3 0 0 20 0 1 0 1 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0')!.kernelThread).toBe(true);
  });

  it("parses this machine's own stat", () => {
    const self = parsePidStat(readFileSync('/proc/self/stat', 'utf8'))!;
    expect(self.pid).toBe(process.pid);
    expect(self.rssPages).toBeGreaterThan(0);
    expect(self.kernelThread).toBe(false);
  });

  it('is null for unreadable or truncated files', () => {
    expect(parsePidStat(null)).toBeNull();
    expect(parsePidStat('12 (x')).toBeNull();
  });
});

describe('/proc/PID/status, loginuid, cmdline', () => {
  it('reads the real uid and VmRSS', () => {
    expect(parsePidStatus('Name:\tsh\nUid:\t1001\t0\t0\t0\nGid:\t1001\t1001\t1001\t1001\nVmRSS:\t    1576 kB\n')).toEqual({ uid: 1001, vmRssBytes: 1576 * 1024 });
    expect(parsePidStatus('Name:\tkthreadd\nUid:\t0\t0\t0\t0\n')).toEqual({ uid: 0, vmRssBytes: null });
    expect(parsePidStatus(null)).toEqual({ uid: null, vmRssBytes: null });
  });

  it('treats the unset loginuid (4294967295) as none', () => {
    expect(parseLoginUid('4294967295')).toBeNull();
    expect(parseLoginUid('1000')).toBe(1000);
    expect(parseLoginUid(null)).toBeNull();
  });

  it('splits cmdline on NUL and shows kernel threads as [comm], like ps', () => {
    expect(parseCmdline('python3\0-m\0ipykernel_launcher\0-f\0/run/k.json\0')).toEqual(['python3', '-m', 'ipykernel_launcher', '-f', '/run/k.json']);
    expect(commandLine([], 'kswapd0')).toBe('[kswapd0]');
    expect(commandLine(['sh', '-c', 'while :; do :; done'], 'sh')).toBe('sh -c while :; do :; done');
    const long = commandLine(['msedge', '--type=gpu-process', 'x'.repeat(1000)], 'msedge');
    expect(long.length).toBe(MAX_COMMAND_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });
});
