import type { z } from 'zod';
import type { OsFamily, OsInfo, packageBackendSchema } from './probe.schema.js';
import type { OsReleaseFields } from './os-release.js';

/**
 * The one table of distributions Fleetdeck knows, matched on os-release ID / VERSION_ID.
 *
 * The helper probes capabilities (package backend, service manager, cgroups) itself; this table
 * only names the host and says whether we stand behind it. `supported` means the helper's
 * runtime works there: a Node >= 20 needs glibc >= 2.28 (official builds) or musl with a distro
 * Node, plus systemd or OpenRC. End-of-life releases that still meet that stay supported and say
 * so in `note`, because lab machines outlive vendor support and refusing them helps nobody.
 *
 * `testedBy` must stay truthful, and os-table.test.ts enforces it: 'live' rows run in the
 * integration testbed, 'fixture' rows are matched by a real os-release file in
 * test/fixtures/shared/os-release, 'untested' rows have neither yet.
 */

export type PackageBackend = Exclude<z.infer<typeof packageBackendSchema>, 'unknown'>;

/** Inclusive bounds compared component-wise on as many components as the bound has: max '12' admits 12.9. */
export type VersionMatch = 'any' | { min?: string; max?: string };

export interface OsRow {
  label: string;
  /** os-release ID values this row applies to. */
  ids: readonly string[];
  family: OsFamily;
  packageBackend: PackageBackend;
  version: VersionMatch;
  /** Extra discriminator when one ID spans different products (CentOS Linux vs CentOS Stream). */
  nameIncludes?: string;
  supported: boolean;
  testedBy: 'live' | 'fixture' | 'untested';
  note?: string;
}

const exactly = (v: string): VersionMatch => ({ min: v, max: v });

export const OS_TABLE: readonly OsRow[] = [
  { label: 'Debian 10', ids: ['debian'], family: 'debian', packageBackend: 'apt', version: exactly('10'), supported: true, testedBy: 'fixture', note: 'End of life (LTS ended June 2024).' },
  { label: 'Debian 11', ids: ['debian'], family: 'debian', packageBackend: 'apt', version: exactly('11'), supported: true, testedBy: 'fixture' },
  { label: 'Debian 12', ids: ['debian'], family: 'debian', packageBackend: 'apt', version: exactly('12'), supported: true, testedBy: 'live' },
  { label: 'Debian 13', ids: ['debian'], family: 'debian', packageBackend: 'apt', version: exactly('13'), supported: true, testedBy: 'fixture' },
  { label: 'Ubuntu 20.04', ids: ['ubuntu'], family: 'debian', packageBackend: 'apt', version: exactly('20.04'), supported: true, testedBy: 'fixture', note: 'Standard support ended May 2025; cgroup hybrid by default.' },
  { label: 'Ubuntu 22.04', ids: ['ubuntu'], family: 'debian', packageBackend: 'apt', version: exactly('22.04'), supported: true, testedBy: 'fixture' },
  { label: 'Ubuntu 24.04', ids: ['ubuntu'], family: 'debian', packageBackend: 'apt', version: exactly('24.04'), supported: true, testedBy: 'fixture' },
  { label: 'Linux Mint 21', ids: ['linuxmint'], family: 'debian', packageBackend: 'apt', version: exactly('21'), supported: true, testedBy: 'untested', note: 'Ubuntu 22.04 base.' },
  { label: 'Linux Mint 22', ids: ['linuxmint'], family: 'debian', packageBackend: 'apt', version: exactly('22'), supported: true, testedBy: 'fixture', note: 'Ubuntu 24.04 base.' },
  { label: 'Pop!_OS 22.04', ids: ['pop'], family: 'debian', packageBackend: 'apt', version: exactly('22.04'), supported: true, testedBy: 'fixture' },
  { label: 'Pop!_OS 24.04', ids: ['pop'], family: 'debian', packageBackend: 'apt', version: exactly('24.04'), supported: true, testedBy: 'untested' },
  { label: 'Raspbian 11', ids: ['raspbian'], family: 'debian', packageBackend: 'apt', version: exactly('11'), supported: true, testedBy: 'fixture', note: '32-bit ARM: the helper needs an armv7l Node.' },
  { label: 'Raspbian 12', ids: ['raspbian'], family: 'debian', packageBackend: 'apt', version: exactly('12'), supported: true, testedBy: 'untested', note: '32-bit ARM: the helper needs an armv7l Node.' },
  { label: 'RHEL 8', ids: ['rhel'], family: 'rhel', packageBackend: 'dnf', version: exactly('8'), supported: true, testedBy: 'fixture' },
  { label: 'RHEL 9', ids: ['rhel'], family: 'rhel', packageBackend: 'dnf', version: exactly('9'), supported: true, testedBy: 'fixture' },
  { label: 'Rocky Linux 8', ids: ['rocky'], family: 'rhel', packageBackend: 'dnf', version: exactly('8'), supported: true, testedBy: 'untested' },
  { label: 'Rocky Linux 9', ids: ['rocky'], family: 'rhel', packageBackend: 'dnf', version: exactly('9'), supported: true, testedBy: 'fixture' },
  { label: 'AlmaLinux 8', ids: ['almalinux'], family: 'rhel', packageBackend: 'dnf', version: exactly('8'), supported: true, testedBy: 'fixture' },
  { label: 'AlmaLinux 9', ids: ['almalinux'], family: 'rhel', packageBackend: 'dnf', version: exactly('9'), supported: true, testedBy: 'untested' },
  { label: 'CentOS 7', ids: ['centos'], family: 'rhel', packageBackend: 'yum', version: exactly('7'), nameIncludes: 'CentOS Linux', supported: false, testedBy: 'fixture', note: 'glibc 2.17 is too old for Node >= 18; end of life June 2024.' },
  { label: 'CentOS 8', ids: ['centos'], family: 'rhel', packageBackend: 'dnf', version: exactly('8'), nameIncludes: 'CentOS Linux', supported: true, testedBy: 'fixture', note: 'End of life December 2021.' },
  { label: 'CentOS Stream 9', ids: ['centos'], family: 'rhel', packageBackend: 'dnf', version: exactly('9'), nameIncludes: 'Stream', supported: true, testedBy: 'fixture' },
  { label: 'Oracle Linux 9', ids: ['ol'], family: 'rhel', packageBackend: 'dnf', version: exactly('9'), supported: true, testedBy: 'fixture' },
  { label: 'Fedora 40+', ids: ['fedora'], family: 'rhel', packageBackend: 'dnf', version: { min: '40' }, supported: true, testedBy: 'fixture' },
  { label: 'openSUSE Leap 15', ids: ['opensuse-leap'], family: 'suse', packageBackend: 'zypper', version: exactly('15'), supported: true, testedBy: 'fixture', note: 'Releases before 15.3 ship glibc 2.26: the helper then needs the distro Node.' },
  { label: 'openSUSE Tumbleweed', ids: ['opensuse-tumbleweed'], family: 'suse', packageBackend: 'zypper', version: 'any', supported: true, testedBy: 'fixture' },
  { label: 'SLES 12', ids: ['sles', 'sled'], family: 'suse', packageBackend: 'zypper', version: exactly('12'), supported: false, testedBy: 'fixture', note: 'glibc 2.22 is too old for Node >= 18.' },
  { label: 'SLES 15', ids: ['sles', 'sled'], family: 'suse', packageBackend: 'zypper', version: exactly('15'), supported: true, testedBy: 'untested', note: 'Service packs before SP4 ship glibc 2.26: the helper then needs the distro Node.' },
  { label: 'Arch Linux', ids: ['arch'], family: 'arch', packageBackend: 'pacman', version: 'any', supported: true, testedBy: 'fixture' },
  { label: 'Alpine 3.18+', ids: ['alpine'], family: 'alpine', packageBackend: 'apk', version: { min: '3.18', max: '3' }, supported: true, testedBy: 'fixture', note: 'musl: the helper runs on the distro nodejs package, not the glibc portable runtime.' },
];

/** Families implied by ID_LIKE words that are not themselves table IDs. */
const FAMILY_BY_LIKE: Record<string, OsFamily> = {
  debian: 'debian',
  ubuntu: 'debian',
  rhel: 'rhel',
  fedora: 'rhel',
  centos: 'rhel',
  suse: 'suse',
  opensuse: 'suse',
  arch: 'arch',
  alpine: 'alpine',
};

function versionParts(v: string): number[] {
  return v.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

/** Compares `version` with `bound` on the bound's number of components only. */
function comparePrefix(version: string, bound: string): number {
  const a = versionParts(version);
  const b = versionParts(bound);
  for (let i = 0; i < b.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export function versionMatches(match: VersionMatch, versionId: string | null): boolean {
  if (match === 'any') return true;
  if (versionId === null || versionId === '') return false;
  if (match.min !== undefined && comparePrefix(versionId, match.min) < 0) return false;
  if (match.max !== undefined && comparePrefix(versionId, match.max) > 0) return false;
  return true;
}

export function findOsRow(id: string, versionId: string | null, name = ''): OsRow | null {
  return (
    OS_TABLE.find(
      (row) =>
        row.ids.includes(id) &&
        versionMatches(row.version, versionId) &&
        (row.nameIncludes === undefined || name.includes(row.nameIncludes)),
    ) ?? null
  );
}

/** Family from the ID itself (any version), else from the first ID_LIKE word we recognise. */
export function familyFor(id: string, idLike: readonly string[]): OsFamily {
  for (const candidate of [id, ...idLike]) {
    const row = OS_TABLE.find((r) => r.ids.includes(candidate));
    if (row) return row.family;
    const family = FAMILY_BY_LIKE[candidate];
    if (family) return family;
  }
  return 'other';
}

export function classifyOs(fields: OsReleaseFields): OsInfo {
  // os-release(5): ID defaults to "linux" and NAME to "Linux" when absent.
  const id = (fields.ID ?? 'linux').toLowerCase();
  const idLike = (fields.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const versionId = fields.VERSION_ID?.trim() ? fields.VERSION_ID.trim() : null;
  const name = fields.NAME ?? 'Linux';
  const row = findOsRow(id, versionId, name);
  return {
    id,
    idLike,
    versionId,
    name,
    prettyName: fields.PRETTY_NAME ?? null,
    family: row?.family ?? familyFor(id, idLike),
    supported: row?.supported ?? false,
    matchedRow: row?.label ?? null,
  };
}

/** The package backend the table expects for a classified OS, used to break ties when several tools are installed. */
export function expectedPackageBackend(os: OsInfo): PackageBackend | null {
  const row = OS_TABLE.find((r) => r.label === os.matchedRow);
  if (row) return row.packageBackend;
  const sameFamily = OS_TABLE.find((r) => r.family === os.family);
  return sameFamily?.packageBackend ?? null;
}
