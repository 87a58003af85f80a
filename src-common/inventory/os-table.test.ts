import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOsRelease } from './os-release.js';
import { OS_TABLE, classifyOs, expectedPackageBackend, familyFor, versionMatches } from './os-table.js';
import type { OsFamily } from './probe.schema.js';

const dir = path.join(import.meta.dirname, '../../test/fixtures/shared/os-release');
const classifyFile = (name: string) => classifyOs(parseOsRelease(readFileSync(path.join(dir, name), 'utf8')));

interface Expected {
  family: OsFamily;
  id: string;
  versionId: string | null;
  matchedRow: string | null;
  supported: boolean;
}

const EXPECTED: Record<string, Expected> = {
  'almalinux-8.4': { family: 'rhel', id: 'almalinux', versionId: '8.4', matchedRow: 'AlmaLinux 8', supported: true },
  'alpine-3.23': { family: 'alpine', id: 'alpine', versionId: '3.23.2', matchedRow: 'Alpine 3.18+', supported: true },
  'arch-linux': { family: 'arch', id: 'arch', versionId: null, matchedRow: 'Arch Linux', supported: true },
  'centos-7': { family: 'rhel', id: 'centos', versionId: '7', matchedRow: 'CentOS 7', supported: false },
  'centos-8': { family: 'rhel', id: 'centos', versionId: '8', matchedRow: 'CentOS 8', supported: true },
  'centos-stream-9': { family: 'rhel', id: 'centos', versionId: '9', matchedRow: 'CentOS Stream 9', supported: true },
  'coreos-899': { family: 'other', id: 'coreos', versionId: '899.15.0', matchedRow: null, supported: false },
  'debian-10': { family: 'debian', id: 'debian', versionId: '10', matchedRow: 'Debian 10', supported: true },
  'debian-11': { family: 'debian', id: 'debian', versionId: '11', matchedRow: 'Debian 11', supported: true },
  'debian-12': { family: 'debian', id: 'debian', versionId: '12', matchedRow: 'Debian 12', supported: true },
  'debian-13': { family: 'debian', id: 'debian', versionId: '13', matchedRow: 'Debian 13', supported: true },
  'fedora-42': { family: 'rhel', id: 'fedora', versionId: '42', matchedRow: 'Fedora 40+', supported: true },
  'linuxmint-22': { family: 'debian', id: 'linuxmint', versionId: '22', matchedRow: 'Linux Mint 22', supported: true },
  'nixos-18.09': { family: 'other', id: 'nixos', versionId: '18.09.1436.a7fd4310c0c', matchedRow: null, supported: false },
  'opensuse-leap-15.2': { family: 'suse', id: 'opensuse-leap', versionId: '15.2', matchedRow: 'openSUSE Leap 15', supported: true },
  'opensuse-tumbleweed': { family: 'suse', id: 'opensuse-tumbleweed', versionId: '20240823', matchedRow: 'openSUSE Tumbleweed', supported: true },
  'oracle-linux-9.1': { family: 'rhel', id: 'ol', versionId: '9.1', matchedRow: 'Oracle Linux 9', supported: true },
  'pop-os-22.04': { family: 'debian', id: 'pop', versionId: '22.04', matchedRow: 'Pop!_OS 22.04', supported: true },
  'raspbian-11': { family: 'debian', id: 'raspbian', versionId: '11', matchedRow: 'Raspbian 11', supported: true },
  'rhel-8.10': { family: 'rhel', id: 'rhel', versionId: '8.10', matchedRow: 'RHEL 8', supported: true },
  'rhel-9.6': { family: 'rhel', id: 'rhel', versionId: '9.6', matchedRow: 'RHEL 9', supported: true },
  'rocky-9.3': { family: 'rhel', id: 'rocky', versionId: '9.3', matchedRow: 'Rocky Linux 9', supported: true },
  'sles-12-sp1': { family: 'suse', id: 'sles', versionId: '12.1', matchedRow: 'SLES 12', supported: false },
  'ubuntu-20.04': { family: 'debian', id: 'ubuntu', versionId: '20.04', matchedRow: 'Ubuntu 20.04', supported: true },
  'ubuntu-22.04': { family: 'debian', id: 'ubuntu', versionId: '22.04', matchedRow: 'Ubuntu 22.04', supported: true },
  'ubuntu-24.04': { family: 'debian', id: 'ubuntu', versionId: '24.04', matchedRow: 'Ubuntu 24.04', supported: true },
};

describe('classifyOs against every os-release fixture', () => {
  it('has an expectation for every fixture file and no stale ones', () => {
    expect(readdirSync(dir).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, expected) => {
    const os = classifyFile(file);
    expect({ family: os.family, id: os.id, versionId: os.versionId, matchedRow: os.matchedRow, supported: os.supported }).toEqual(expected);
    expect(os.name.length).toBeGreaterThan(0);
  });

  it('keeps ID_LIKE as a list and the pretty name', () => {
    const pop = classifyFile('pop-os-22.04');
    expect(pop.idLike).toEqual(['ubuntu', 'debian']);
    expect(pop.prettyName).toBe('Pop!_OS 22.04 LTS');
    expect(classifyFile('debian-13').idLike).toEqual([]);
  });
});

describe('OS_TABLE', () => {
  const matchedLabels = new Set(Object.values(EXPECTED).map((e) => e.matchedRow));

  it('marks a row "fixture" exactly when a shared fixture matches it', () => {
    for (const row of OS_TABLE) {
      if (row.testedBy === 'fixture') expect(matchedLabels.has(row.label), row.label).toBe(true);
      if (row.testedBy === 'untested') expect(matchedLabels.has(row.label), row.label).toBe(false);
    }
  });

  it('has exactly one live row, Debian 12, which also has a fixture', () => {
    const live = OS_TABLE.filter((r) => r.testedBy === 'live').map((r) => r.label);
    expect(live).toEqual(['Debian 12']);
    expect(matchedLabels.has('Debian 12')).toBe(true);
  });

  it('has unique labels', () => {
    expect(new Set(OS_TABLE.map((r) => r.label)).size).toBe(OS_TABLE.length);
  });

  it('explains every unsupported row', () => {
    for (const row of OS_TABLE.filter((r) => !r.supported)) expect(row.note, row.label).toBeTruthy();
  });
});

describe('derivatives and unknown distributions', () => {
  it('takes the family from ID_LIKE for an unknown derivative, unsupported', () => {
    const os = classifyOs({ ID: 'zorin', ID_LIKE: 'ubuntu debian', VERSION_ID: '17', NAME: 'Zorin OS' });
    expect(os).toMatchObject({ family: 'debian', supported: false, matchedRow: null });
  });

  it('knows the family of a known ID at an unlisted version', () => {
    expect(classifyOs({ ID: 'debian', NAME: 'Debian GNU/Linux' })).toMatchObject({ family: 'debian', versionId: null, matchedRow: null });
    expect(classifyOs({ ID: 'fedora', VERSION_ID: '38' })).toMatchObject({ family: 'rhel', matchedRow: null, supported: false });
  });

  it('does not mistake CentOS Stream 8 for CentOS Linux 8', () => {
    expect(classifyOs({ ID: 'centos', VERSION_ID: '8', NAME: 'CentOS Stream' }).matchedRow).toBeNull();
  });

  it('defaults a missing ID to "linux" and NAME to "Linux"', () => {
    expect(classifyOs({})).toMatchObject({ id: 'linux', name: 'Linux', family: 'other', versionId: null });
  });

  it('maps families from ID_LIKE words', () => {
    expect(familyFor('something', ['opensuse'])).toBe('suse');
    expect(familyFor('something', ['unknown'])).toBe('other');
  });

  it('compares versions component-wise on the bound precision', () => {
    expect(versionMatches({ min: '12', max: '12' }, '12.4')).toBe(true);
    expect(versionMatches({ min: '3.18', max: '3' }, '3.9')).toBe(false);
    expect(versionMatches({ min: '3.18', max: '3' }, '3.23.2')).toBe(true);
    expect(versionMatches({ min: '40' }, null)).toBe(false);
    expect(versionMatches('any', null)).toBe(true);
  });

  it('gives the expected package backend for tie-breaking', () => {
    expect(expectedPackageBackend(classifyFile('centos-7'))).toBe('yum');
    expect(expectedPackageBackend(classifyFile('rocky-9.3'))).toBe('dnf');
    expect(expectedPackageBackend(classifyFile('nixos-18.09'))).toBeNull();
  });
});
