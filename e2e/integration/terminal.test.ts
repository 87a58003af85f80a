import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TerminalInfo } from '../../src-common/terminal/terminal.contract.js';
import { TERMINAL_WATERMARKS } from '../../src-common/terminal/terminal.contract.js';
import type { Fleet } from '../../src-main/core/fleet.js';
import { terminalLocaleEnv } from '../../src-main/core/terminal/terminal-locale.js';
import { startSshdHost, testbedUnavailableReason, type SshdHost } from '../testbed/index.js';
import { addHost, connectTrusting, newFleet } from './harness.js';

/** Terminals over a real OpenSSH server: pty shells, resize, flow control, reconnect, tmux, audit. */
const unavailable = await testbedUnavailableReason({ docker: false });
const hasTmux = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v tmux'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface Screen {
  text: () => string;
  states: () => string[];
  bytes: () => number;
  /** Start or stop acknowledging what arrives. */
  setAck: (on: boolean) => void;
  stop: () => void;
}

/** Collects one terminal's output (ANSI escapes stripped) and states, acking as a fast front end would unless told not to. */
function watch(fleet: Fleet, terminalId: string, opts: { ack?: boolean } = {}): Screen {
  let out = '';
  let bytes = 0;
  const states: string[] = [];
  let acking = opts.ack !== false;
  const off = fleet.events.on((name, p) => {
    const e = p as { terminalId: string; data?: string; bytes?: number; state?: string; reconnected?: boolean };
    if (e.terminalId !== terminalId) return;
    if (name === 'terminals.onData') {
      out += e.data!;
      bytes += e.bytes!;
      if (acking) void fleet.call('terminals.ack', { terminalId, bytes: e.bytes }).catch(() => undefined);
    } else if (name === 'terminals.onState') states.push(e.reconnected ? `${e.state}:reconnected` : e.state!);
  });
  return {
    text: () => out.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r/g, ''),
    states: () => states,
    bytes: () => bytes,
    setAck: (on) => {
      acking = on;
    },
    stop: off,
  };
}

const type = (fleet: Fleet, terminalId: string, data: string) => fleet.call('terminals.input', { terminalId, data });

describe.skipIf(unavailable)('terminals over real sshd', () => {
  let sshd: SshdHost;
  let fleet: Fleet;
  let hostId: number;

  beforeAll(async () => {
    sshd = await startSshdHost({ name: 'it-term' });
    fleet = newFleet({ connectTimeoutMs: 5000 });
    hostId = (await addHost(fleet, sshd, 'fdtest')).id;
    expect((await connectTrusting(fleet, hostId)).state).toBe('connected');
  });
  afterAll(async () => {
    fleet?.close();
    await sshd?.stop();
  });

  const open = async (extra: Record<string, unknown> = {}) => (await fleet.call('terminals.open', { id: hostId, cols: 100, rows: 30, ...extra })) as TerminalInfo;

  it('opens a pty shell as the login user, runs a command, resizes, closes — audited without keystrokes', async () => {
    const info = await open();
    expect(info).toMatchObject({ state: 'open', mode: 'shell', user: sshd.users.fdtest!.name, cols: 100, rows: 30 });
    const screen = watch(fleet, info.terminalId);
    await type(fleet, info.terminalId, 'echo "answer=$((6*7)) term=$TERM"; stty size\n');
    await expect.poll(() => screen.text(), { timeout: 10_000 }).toMatch(/answer=42 term=xterm-256color/);
    await expect.poll(() => screen.text()).toMatch(/^30 100$/m);

    await fleet.call('terminals.resize', { terminalId: info.terminalId, cols: 132, rows: 43 });
    await type(fleet, info.terminalId, 'stty size\n');
    await expect.poll(() => screen.text(), { timeout: 10_000 }).toMatch(/^43 132$/m);

    // UTF-8 both ways, including characters whose bytes may be split across packets.
    await type(fleet, info.terminalId, "printf 'snow=\\342\\230\\203 cjk=漢字 emoji=🚀\\n'\n");
    await expect.poll(() => screen.text(), { timeout: 10_000 }).toMatch(/snow=☃ cjk=漢字 emoji=🚀/);

    // Typed, not printed: with no locale bash reads these UTF-8 bytes as Meta keys (issue 9 #4).
    await type(fleet, info.terminalId, 'echo "lang=$LANG" AB✓CD 你好 EF\n');
    await expect.poll(() => screen.text(), { timeout: 10_000 }).toContain(`lang=${terminalLocaleEnv(process.env).LANG} AB✓CD 你好 EF\n`);

    await type(fleet, info.terminalId, 'echo secret-keystrokes-xyz\n');
    await expect.poll(() => screen.text()).toMatch(/secret-keystrokes-xyz\n/);
    expect(await fleet.call('terminals.close', { terminalId: info.terminalId })).toEqual({ closed: true });
    expect(screen.states()).toContain('closed');
    expect((await fleet.call('terminals.list', {})) as TerminalInfo[]).toEqual([]);
    screen.stop();

    const events = fleet.audit.query({ operation: 'terminal.' }).events;
    expect(events.map((e) => e.operation)).toEqual(['terminal.close', 'terminal.open']);
    expect(events.every((e) => e.hostId === hostId && e.result === 'ok')).toBe(true);
    expect(events[1]!.summary).toContain(`as ${sshd.users.fdtest!.name} on`);
    expect(JSON.stringify(fleet.audit.query({}).events)).not.toMatch(/secret-keystrokes|answer=|stty/);
  });

  it('reports the exit status when the shell exits', async () => {
    const info = await open();
    const screen = watch(fleet, info.terminalId);
    await type(fleet, info.terminalId, 'exit 7\n');
    await expect.poll(() => screen.states(), { timeout: 10_000 }).toContain('closed');
    await expect(type(fleet, info.terminalId, 'x')).rejects.toMatchObject({ problem: 'not-found' });
    screen.stop();
    expect(fleet.audit.query({ operation: 'terminal.close' }).events[0]!.summary).toMatch(/exited with status 7/);
  });

  it('flow control: without acks the channel pauses at the high watermark; acks resume it', async () => {
    const info = await open();
    const screen = watch(fleet, info.terminalId, { ack: false });
    // ~200 MB of output if nothing stopped it.
    await type(fleet, info.terminalId, 'head -c 200000000 /dev/zero | tr "\\0" "a" | fold -w 100; echo; echo FLOW-DONE\n');
    await expect.poll(() => screen.bytes(), { timeout: 10_000 }).toBeGreaterThan(TERMINAL_WATERMARKS.high);
    await new Promise((r) => setTimeout(r, 1500));
    const held = fleet.terminals.unacked(info.terminalId);
    // Paused: what arrived after the pause is at most a few SSH packets and the kernel pipe.
    expect(held).toBeGreaterThanOrEqual(TERMINAL_WATERMARKS.high);
    expect(held).toBeLessThan(TERMINAL_WATERMARKS.high + 2 * 1024 * 1024);
    const before = screen.bytes();
    await new Promise((r) => setTimeout(r, 1000));
    expect(screen.bytes() - before).toBeLessThan(512 * 1024);
    // The front end catches up and keeps up: output flows again.
    screen.setAck(true);
    await fleet.call('terminals.ack', { terminalId: info.terminalId, bytes: held });
    await expect.poll(() => screen.bytes(), { timeout: 10_000 }).toBeGreaterThan(before + 4 * 1024 * 1024);
    await fleet.call('terminals.close', { terminalId: info.terminalId });
    screen.stop();
  });

  it('reopens in place after the link drops: lost → open(reconnected), and the new shell works', async () => {
    const info = await open();
    const screen = watch(fleet, info.terminalId);
    await type(fleet, info.terminalId, 'echo before-drop\n');
    await expect.poll(() => screen.text(), { timeout: 10_000 }).toMatch(/before-drop\n/);
    process.kill(fleet.session(hostId).lastDeploy!.helper.init.pid, 'SIGKILL');
    await expect.poll(() => screen.states(), { timeout: 20_000 }).toContain('open:reconnected');
    expect(screen.states()[0]).toBe('lost');
    await type(fleet, info.terminalId, 'echo after-drop\n');
    await expect.poll(() => screen.text(), { timeout: 10_000 }).toMatch(/after-drop\n/);
    expect(((await fleet.call('terminals.list', {})) as TerminalInfo[]).find((t) => t.terminalId === info.terminalId)?.state).toBe('open');
    await fleet.call('terminals.close', { terminalId: info.terminalId });
    screen.stop();
  });

  it.skipIf(!hasTmux)('tmux mode: a session survives closing the terminal and is attached again', async () => {
    const session = `fdit-${process.pid}`;
    const first = await open({ mode: 'tmux', session });
    expect(first.session).toBe(session);
    const s1 = watch(fleet, first.terminalId);
    await type(fleet, first.terminalId, 'export FD_KEPT=still-here; echo set-$FD_KEPT\n');
    await expect.poll(() => s1.text(), { timeout: 10_000 }).toMatch(/set-still-here/);
    await fleet.call('terminals.close', { terminalId: first.terminalId });
    s1.stop();

    const second = await open({ mode: 'tmux', session });
    const s2 = watch(fleet, second.terminalId);
    await type(fleet, second.terminalId, 'echo got-$FD_KEPT\n');
    await expect.poll(() => s2.text(), { timeout: 10_000 }).toMatch(/got-still-here/);
    await type(fleet, second.terminalId, 'exit\n');
    await expect.poll(() => s2.states(), { timeout: 10_000 }).toContain('closed');
    s2.stop();
  });

  it('refuses bad input with clear problems', async () => {
    await expect(fleet.call('terminals.open', { id: hostId, cols: 0, rows: 30 })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(fleet.call('terminals.open', { id: hostId, cols: 80, rows: -3 })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(fleet.call('terminals.open', { id: hostId, cols: 80, rows: 24, mode: 'tmux', session: 'a;rm -rf /' })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(fleet.call('terminals.open', { id: hostId, cols: 80, rows: 24, mode: 'bash' })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(fleet.call('terminals.open', { id: 99999, cols: 80, rows: 24 })).rejects.toMatchObject({ problem: 'not-found' });
    await expect(fleet.call('terminals.input', { terminalId: 'tdeadbeef', data: 'ls\n' })).rejects.toMatchObject({ problem: 'not-found' });
    await expect(fleet.call('terminals.input', { terminalId: '../etc', data: 'ls\n' })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(fleet.call('terminals.input', { terminalId: 'tdeadbeef', data: 'x'.repeat(70_000) })).rejects.toMatchObject({ problem: 'invalid-input' });
    expect(await fleet.call('terminals.close', { terminalId: 'tdeadbeef' })).toEqual({ closed: false });
  });
});
