import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOsRelease, unquoteShellValue } from './os-release.js';

const fixture = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, '../../test/fixtures/shared/os-release', name), 'utf8');

describe('parseOsRelease', () => {
  it('reads quoted and unquoted values', () => {
    const f = parseOsRelease(fixture('debian-12'));
    expect(f.ID).toBe('debian');
    expect(f.VERSION_ID).toBe('12');
    expect(f.PRETTY_NAME).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(f.VERSION_CODENAME).toBe('bookworm');
  });

  it('keeps the last line when the file has no trailing newline', () => {
    expect(parseOsRelease(fixture('almalinux-8.4')).ALMALINUX_MANTISBT_PROJECT_VERSION).toBe('8.4');
    expect(parseOsRelease(fixture('raspbian-11')).BUG_REPORT_URL).toBe('http://www.raspbian.org/RaspbianBugs');
    expect(parseOsRelease(fixture('coreos-899')).BUG_REPORT_URL).toBe('https://github.com/coreos/bugs/issues');
  });

  it('skips comment lines, including commented-out assignments', () => {
    const f = parseOsRelease(fixture('opensuse-tumbleweed'));
    expect(f.VERSION).toBeUndefined();
    expect(f.CPE_NAME).toBe('cpe:2.3:o:opensuse:tumbleweed:20240823:*:*:*:*:*:*:*');
    expect(f.VERSION_ID).toBe('20240823');
  });

  it('skips blank lines (CentOS 7 has them in the middle and at the end)', () => {
    const f = parseOsRelease(fixture('centos-7'));
    expect(f.CENTOS_MANTISBT_PROJECT).toBe('CentOS-7');
    expect(f.REDHAT_SUPPORT_PRODUCT_VERSION).toBe('7');
  });

  it('keeps an explicitly empty value as ""', () => {
    expect(parseOsRelease(fixture('fedora-42')).VERSION_CODENAME).toBe('');
  });

  it('handles escapes, single quotes, CRLF and junk lines', () => {
    const text = [
      'NAME="Foo \\"Quoted\\" \\$HOME \\\\ done"',
      "ID='foo'",
      'ID_LIKE=bar\\ baz',
      'VERSION_ID=1.2\r',
      'this line is junk',
      '  # indented comment',
      'export NOT_SUPPORTED=1',
      'PRETTY_NAME="unterminated',
    ].join('\n');
    expect(parseOsRelease(text)).toEqual({
      NAME: 'Foo "Quoted" $HOME \\ done',
      ID: 'foo',
      ID_LIKE: 'bar baz',
      VERSION_ID: '1.2',
      PRETTY_NAME: 'unterminated',
    });
  });

  it('keeps backslashes that do not escape anything inside double quotes', () => {
    expect(unquoteShellValue('"a\\nb"')).toBe('a\\nb');
    expect(unquoteShellValue('"a"\'b\'c')).toBe('abc');
  });

  it('returns nothing for an empty file', () => {
    expect(parseOsRelease('')).toEqual({});
  });
});
