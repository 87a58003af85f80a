import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteArg, quoteArgv } from './argv.js';

describe('quoteArgv', () => {
  const nasty = ['a;rm -rf /', "it's", '$(id)', '`id`', 'a b', '', '*', '\n', '"q"', '\\', '-n', 'ünï', "'"];
  it('round-trips every argument through a real shell unchanged', () => {
    const cmd = quoteArgv(['printf', '%s\\0', ...nasty]);
    const out = execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(nasty);
  });
  it('leaves plain words readable', () => {
    expect(quoteArg('/usr/bin/node')).toBe('/usr/bin/node');
    expect(quoteArg('a;b')).toBe("'a;b'");
  });
  it('refuses NUL and empty argv', () => {
    expect(() => quoteArg('a\0b')).toThrow();
    expect(() => quoteArgv([])).toThrow();
  });
});

describe('quoteArg under other login shells', () => {
  it('quotes a leading "=" (zsh expands =cmd to a path)', () => {
    expect(quoteArg('=ls')).toBe("'=ls'");
    expect(quoteArg('a=b')).toBe('a=b');
  });
});
