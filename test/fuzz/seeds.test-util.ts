import { statSync } from 'node:fs';
import { fixturePath, listFixtures, readFixture } from '../../remote-scripts/helper/inventory/fixtures.test-util.js';

/**
 * Seed inputs for the fuzz campaign: the real-world samples in test/fixtures/shared where there
 * are some, and short samples in each file's real layout where there are none (the same shapes
 * the parsers' own tests use). Mutators start from these, so fuzzing reaches past the first line
 * check of each parser instead of dying on random bytes.
 */

/** Every sample under a fixture folder, subfolders included. */
export function fixtureFolder(...parts: string[]): string[] {
  return listFixtures(...parts).flatMap((name) => (statSync(fixturePath(...parts, name)).isDirectory() ? fixtureFolder(...parts, name) : [readFixture(...parts, name)]));
}

export const SEEDS = {
  osRelease: () => fixtureFolder('os-release'),
  meminfo: () => fixtureFolder('proc', 'meminfo'),
  loadavg: () => fixtureFolder('proc', 'loadavg'),
  procStat: () => fixtureFolder('proc', 'stat'),
  mountinfo: () => fixtureFolder('cgroup', 'mountinfo'),
  procCgroups: () => fixtureFolder('cgroup', 'proc-cgroups'),
  procPidCgroup: () => fixtureFolder('cgroup', 'proc-pid-cgroup'),
  cgroupV2: () => fixtureFolder('cgroup', 'v2'),
  nvidiaXml: () => fixtureFolder('nvidia-smi', 'xml'),
  nvidiaCsvGpu: () => fixtureFolder('nvidia-smi', 'csv', 'query-gpu'),
  nvidiaCsvApps: () => fixtureFolder('nvidia-smi', 'csv', 'query-compute-apps'),
  nvidiaList: () => fixtureFolder('nvidia-smi', 'list'),
  nvidiaQueryText: () => fixtureFolder('nvidia-smi', 'query-text'),
  nvidiaTable: () => fixtureFolder('nvidia-smi', 'table'),
  dockerList: () => fixtureFolder('docker', 'containers-list'),
  dockerInspect: () => fixtureFolder('docker', 'inspect'),
  dockerStats: () => fixtureFolder('docker', 'stats'),
};

export const PROC_MOUNTS = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0
tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
/dev/sdb1 /mnt/data\\040disk xfs rw,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0
server:/export /home nfs4 rw,relatime,vers=4.2,rsize=1048576,context="system_u:object_r:nfs_t:s0:c1,c2" 0 0
`;

export const CPUINFO_X86 = [0, 1, 2, 3]
  .map((n) => `processor\t: ${n}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\nphysical id\t: ${n % 2}\nsiblings\t: 2\ncore id\t\t: ${Math.floor(n / 2)}\ncpu cores\t: 2\nflags\t\t: fpu vme de pse tsc msr pae hypervisor\n`)
  .join('\n');

export const CPUINFO_ARM = `processor\t: 0\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\nHardware\t: BCM2835\nRevision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n`;

export const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     789    0    0    0     0          0         0   123456     789    0    0    0     0       0          0
  eth0:98765432109 1234567    1    2    0     0          0        10 1234567890  765432    3    4    0     0       0          0
`;

export const DISKSTATS = `   7       0 loop0 112 0 2202 20 0 0 0 0 0 48 20 0 0 0 0 0 0
 259       0 nvme0n1 238524 29670 17589530 303398 212542 127811 19374672 185909 0 59488 510368 100997 85 24569896 16658 46046 4401
 259       1 nvme0n1p1 1000 0 20000 100 10 0 80 5 0 100 105 0 0 0 0 0 0
   8       0 sda 5000 0 100000 900 400 0 3200 50 0 800 950
 104       0 cciss/c0d0 5000 0 100000 900 400 0 3200 50 0 800 950
`;

export const PRESSURE = 'some avg10=0.48 avg60=3.73 avg300=6.95 total=627349839\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';

export const ZONEINFO = `Node 0, zone      DMA
  per-node stats
      nr_inactive_anon 1234
  pages free     3840
        min      33
        low      41
        high     49
Node 0, zone   Normal
  pages free     123456
        min      11264
        low      14080
        high     16896
`;

export const PID_STAT = '1523 ((sd-pam)) S 1522 1522 1522 0 -1 1077936448 47 0 0 0 12 30 0 0 20 0 1 0 2400 104361984 1234 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0';

export const PID_STATUS = `Name:\tpython3
Umask:\t0022
State:\tS (sleeping)
Tgid:\t4242
Pid:\t4242
PPid:\t1
Uid:\t1000\t1000\t1000\t1000
Gid:\t1000\t1000\t1000\t1000
VmPeak:\t 2345678 kB
VmRSS:\t  812344 kB
Threads:\t12
`;

export const CMDLINE = 'python3\0-m\0ipykernel_launcher\0-f\0/home/alice/.local/share/jupyter/runtime/kernel-1.json\0';

export const PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment
+nisuser::::::
alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/zsh
ops:x:998:998:Ops robot:/var/lib/ops:/bin/sh
`;

export const GROUP = `root:x:0:
sudo:x:27:alice,ops
docker:x:999:bob, alice
alice:x:1000:
bob:x:1001:
`;

export const LOGIN_DEFS = `# /etc/login.defs
MAIL_DIR        /var/mail
UID_MIN                  1000
UID_MAX                 60000
#SYS_UID_MIN              100
`;

export const IP_ADDR_JSON = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }, { family: 'inet6', local: '::1', prefixlen: 128 }] },
  { ifindex: 2, ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.0.0.5', prefixlen: 24, broadcast: '10.0.0.255' }] },
  { ifindex: 3, ifname: 'wg0' },
]);

export const LDD = [
  'ldd (Debian GLIBC 2.36-9+deb12u4) 2.36\nCopyright (C) 2022 Free Software Foundation, Inc.\n',
  'ldd (GNU libc) 2.39\n',
  'musl libc (x86_64)\nVersion 1.2.4\nDynamic Program Loader\nUsage: ldd [options] [--] pathname\n',
];

export const GETCONF = 'glibc 2.36\n';

export const NVIDIA_VERSION = 'NVIDIA-SMI version  : 595.71.05\nNVML version        : 595.71\nDRIVER version      : 595.71.05\nCUDA Version        : 13.2\n';

export const SSH_CONFIG = `# Lab machines
Host gpu-1 gpu-2
    HostName %h.lab.example.org
    User alice

Host gpu-2
    User bob
    Port 2222

Host bastion
    HostName bastion.example.org
    User "ada lovelace"
    IdentityFile ~/.ssh/id_ed25519

Host inner
    ProxyJump bastion,ssh://carol@[fe80::1]:2200
    IdentityFile=%d/.ssh/id_%r@%h

Match host *.corp
    User nobody

Include conf.d/*
Host *.lab.example.org !bastion.lab.example.org
    User never-used-for-aliases

Host *
    User fallback
    ServerAliveInterval 30
`;

/** Real public keys (ssh-keygen), one hashed host line, a marker line, a comment and junk. */
export const KNOWN_HOSTS = `gpu-1.lab.example.org,10.0.0.5 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJSjbfTKEj5PohlGPyy7Ho28l3fS9hm2LcjkiTpZObEH
[gpu-2.lab.example.org]:2222 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMGGQlTcJ/ErUi95YzUzjge/0qC4E+OtZWcJ+gEAfKzrER7zFU+ZxGIh1Dh4Gv+jdNc7wagV8gDR5V2XVOawF+Y= ada@laptop
*.lab.example.org,!bastion.lab.example.org ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDM2IsvH0495j44Io9+uL7Vr/kS18VjqJoa6TsiWRVtVHRTKbKUzQ3pH2l07Q8QVRKY1PZqy1XRoefAOcYnvMvhykHYJka3IkaC+wi8ekzng0rFULnek5U7FzkdPGzd+LYFQ2D5SzcsimgORlponHDqlmxwDKRwzNschqiUfPp0Kw==
|1|YViWhwDfsZ8xpT0dWJXgP8WZhrM=|9u614uMoYFUY0hWWEDUUB8BNlZs= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJSjbfTKEj5PohlGPyy7Ho28l3fS9hm2LcjkiTpZObEH
@revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJSjbfTKEj5PohlGPyy7Ho28l3fS9hm2LcjkiTpZObEH
# comment
not a key line
`;

export const BOOTSTRAP_OUTPUT = `bootstrap=1
arch=x86_64
kernel=6.1.0-18-amd64
uid=1000
user=alice
libc=glibc
libc_version=2.36
node_path=/usr/bin/node
node_version=v20.11.1
sudo_path=/usr/bin/sudo
sudo=nopasswd
candidate=ok:/home/alice/.cache/fleetdeck
candidate=noexec:/tmp/fleetdeck-1000
dir_free_bytes=52428800000
dir_free_inodes=1200000
dir=/home/alice/.cache/fleetdeck
helper_present=yes
runtime_present=no
`;
