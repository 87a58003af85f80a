import { describe, expect, it } from 'vitest';
import { fakeContext } from '../inventory/fake-context.test-util.js';
import { detectLibc, parseGetconfLibc, parseLddVersion } from './libc.js';

describe('libc detection', () => {
  it('reads getconf output', () => {
    expect(parseGetconfLibc('glibc 2.36\n')).toEqual({ kind: 'glibc', version: '2.36' });
    expect(parseGetconfLibc('undefined')).toBeNull();
  });

  it.each([
    ['ldd (Debian GLIBC 2.36-9+deb12u4) 2.36\nCopyright (C) 2022 Free Software Foundation, Inc.\n', { kind: 'glibc', version: '2.36' }],
    ['ldd (Ubuntu GLIBC 2.35-0ubuntu3.8) 2.35\n', { kind: 'glibc', version: '2.35' }],
    ['ldd (GNU libc) 2.39\n', { kind: 'glibc', version: '2.39' }],
    ['musl libc (x86_64)\nVersion 1.2.4\nDynamic Program Loader\nUsage: ldd [options] [--] pathname\n', { kind: 'musl', version: '1.2.4' }],
    ['something else', null],
  ])('ldd --version: %j', (text, want) => {
    expect(parseLddVersion(text)).toEqual(want);
  });

  it('asks the musl loader for its version on a live Alpine host', async () => {
    const ctx = fakeContext({ files: { '/lib/ld-musl-aarch64.so.1': '' }, commands: { '/lib/ld-musl-aarch64.so.1': { code: 1, stderr: 'musl libc (aarch64)\nVersion 1.2.5\n' } } });
    expect(await detectLibc(ctx)).toEqual({ kind: 'musl', version: '1.2.5' });
  });

  it('names the glibc version from an old libc-X.Y.so file when commands cannot run', async () => {
    const ctx = fakeContext({ live: false, files: { '/lib64/libc.so.6': '', '/lib64/libc-2.17.so': '' } });
    expect(await detectLibc(ctx)).toEqual({ kind: 'glibc', version: '2.17' });
  });
});

describe('libc detection on hostile output', () => {
  it.each([
    ['GLIBC'.repeat(100_000)],
    ['musl libc '.repeat(50_000)],
    ['GNU libc'.repeat(60_000)],
  ])('reads 500 KB of repeated markers in under 100 ms (lazy regexes rescanned from each) #%#', (text) => {
    const start = performance.now();
    parseLddVersion(text);
    expect(performance.now() - start).toBeLessThan(100);
  });

  it('reads the version after the last ")" only when GLIBC is inside that parenthesis', () => {
    expect(parseLddVersion('ldd (x) (GNU libc) 2.39')).toEqual({ kind: 'glibc', version: '2.39' });
    expect(parseLddVersion('ldd (GLIBC) (x) 2.39')).toBeNull();
    expect(parseLddVersion('ldd (GLIBC 2.36) 2.36 extra')).toBeNull();
  });
});
