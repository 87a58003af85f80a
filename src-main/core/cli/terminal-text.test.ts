import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { terminalSafe, terminalSafeIo } from './terminal-text.js';

describe('terminal-safe CLI output', () => {
  it('turns control characters from host data into "?", keeps newlines, tabs and colours', () => {
    expect(terminalSafe('a\x1b]0;pwned\x07b')).toBe('a?]0;pwned?b');
    expect(terminalSafe('line\r\x1b[2Aover')).toBe('line??[2Aover');
    expect(terminalSafe('x\x9b31my')).toBe('x?31my'); // C1 CSI
    expect(terminalSafe('\x1b[1;31mred\x1b[0m\tok\n')).toBe('\x1b[1;31mred\x1b[0m\tok\n');
    expect(terminalSafe('evil\u202egnp.exe')).toBe('evil?gnp.exe'); // bidi override
    expect(terminalSafe('plain ✓ 你好')).toBe('plain ✓ 你好');
  });

  it('guards what any command writes, errors included; binary chunks pass unchanged', async () => {
    const out: unknown[] = [];
    const err: string[] = [];
    const io = terminalSafeIo({ stdout: { write: (s: string | Uint8Array) => out.push(s), isTTY: false }, stderr: { write: (s: string) => err.push(s) } });
    io.stdout.write('host \x1b]52;c;ZXZpbA==\x07name\n');
    io.stdout.write(new Uint8Array([0x1b, 0x5d]));
    expect(out[0]).toBe('host ?]52;c;ZXZpbA==?name\n');
    expect(out[1]).toEqual(new Uint8Array([0x1b, 0x5d]));
    expect(io.stdout.isTTY).toBe(false);
    // Through main(): an unknown command named with an escape sequence is echoed back harmlessly.
    const code = await main(['\x1b]0;x\x07'], { stdout: { write: (s: string | Uint8Array) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } });
    expect(code).toBe(2);
    expect(err.join('')).not.toMatch(/\x1b\]/);  
  });
});
