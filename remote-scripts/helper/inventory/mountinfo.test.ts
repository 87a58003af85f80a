import { describe, expect, it } from 'vitest';
import { listFixtures, readFixture } from './fixtures.test-util.js';
import { isReadOnly, parseMountinfo, parseProcMounts, selectRealFilesystems, splitMountOptions, unescapeMountPath } from './mountinfo.js';

const mounts = (name: string) => parseMountinfo(readFixture('cgroup/mountinfo', name));
const realMountPoints = (name: string) => selectRealFilesystems(mounts(name)).map((e) => `${e.mountPoint} ${e.fsType} ${e.device}`);

describe('parseMountinfo', () => {
  it('parses every line of every mountinfo fixture', () => {
    const lineCounts: Record<string, number> = {
      'in-crio-container-cgroup2-selinux': 26,
      'in-docker-24-container-cgroup2': 21,
      'in-docker-container-cgroup-v1': 36,
      'in-docker-container-cgroup2': 22,
      'ubuntu1804-hybrid': 34,
    };
    expect(listFixtures('cgroup/mountinfo')).toEqual(Object.keys(lineCounts));
    for (const [name, count] of Object.entries(lineCounts)) expect(mounts(name), name).toHaveLength(count);
  });

  it('splits optional fields, fs type, source and super options', () => {
    const root = mounts('ubuntu1804-hybrid').find((e) => e.mountPoint === '/')!;
    expect(root).toEqual({
      mountId: 26, parentId: 0, device: '8:1', root: '/', mountPoint: '/',
      mountOptions: ['rw', 'relatime'], optionalFields: ['shared:1'],
      fsType: 'ext4', source: '/dev/sda1', superOptions: ['rw', 'data=ordered'],
    });
  });

  it('keeps a quoted SELinux context with a comma as one option (CRI-O fixture)', () => {
    const dev = mounts('in-crio-container-cgroup2-selinux').find((e) => e.mountPoint === '/dev')!;
    expect(dev.superOptions).toEqual(['rw', 'context="system_u:object_r:container_file_t:s0:c285,c353"', 'size=65536k', 'mode=755', 'inode64']);
  });

  it('reads the long overlay root line and the ro flag', () => {
    const [root] = mounts('in-docker-container-cgroup2');
    expect(root).toMatchObject({ mountPoint: '/', fsType: 'overlay', source: 'overlay', optionalFields: ['master:175'] });
    expect(root!.superOptions.find((o) => o.startsWith('workdir='))).toMatch(/\/work$/);
    const cgroup = mounts('in-docker-container-cgroup2').find((e) => e.fsType === 'cgroup2')!;
    expect(isReadOnly(cgroup)).toBe(true);
  });

  it('unescapes octal path escapes and skips lines of the wrong shape', () => {
    const text = 'root@be522444b60c:/# cat /proc/self/mountinfo\n40 1 8:2 / /mnt/my\\040disk rw - ext4 /dev/sdb1 rw\n';
    expect(parseMountinfo(text).map((e) => e.mountPoint)).toEqual(['/mnt/my disk']);
    expect(unescapeMountPath('a\\011b\\134c')).toBe('a\tb\\c');
    expect(splitMountOptions('rw,,a="x,y",b')).toEqual(['rw', 'a="x,y"', 'b']);
  });
});

describe('selectRealFilesystems', () => {
  it('keeps the root disk, /dev/shm and the visible (top) /vagrant share on Ubuntu 18.04', () => {
    // /vagrant is mounted twice, the second (0:48) on top of the first: only the top one is reachable.
    expect(realMountPoints('ubuntu1804-hybrid')).toEqual(['/ ext4 8:1', '/dev/shm tmpfs 0:23', '/vagrant vboxsf 0:48']);
  });

  it('keeps the overlay root and /dev/shm in containers, not the bind-mounted files', () => {
    expect(realMountPoints('in-docker-container-cgroup2')).toEqual(['/ overlay 0:143', '/dev/shm tmpfs 0:150']);
    expect(realMountPoints('in-docker-container-cgroup-v1')).toEqual(['/ overlay 0:60', '/dev/shm tmpfs 0:67']);
    expect(realMountPoints('in-crio-container-cgroup2-selinux')).toEqual(['/ overlay 0:676', '/dev/shm tmpfs 0:667']);
  });

  it('copes with a mountinfo that has no root line (Docker 24 fixture)', () => {
    expect(realMountPoints('in-docker-24-container-cgroup2')).toEqual(['/dev/shm tmpfs 0:273']);
  });

  it('prefers the filesystem root over a btrfs subvolume of the same device', () => {
    const text = ['60 1 0:33 /root / rw - btrfs /dev/vda3 rw,subvol=/root', '61 60 0:33 /home /home rw - btrfs /dev/vda3 rw,subvol=/home', '62 60 0:33 / /mnt/pool rw - btrfs /dev/vda3 rw'].join('\n');
    expect(selectRealFilesystems(parseMountinfo(text)).map((e) => e.mountPoint)).toEqual(['/mnt/pool']);
  });

  it('handles /proc/mounts as a fallback', () => {
    const entries = parseProcMounts('/dev/sda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n');
    expect(selectRealFilesystems(entries).map((e) => e.mountPoint)).toEqual(['/', '/dev/shm', '/tmp']);
  });
});
