import { parseOsRelease } from '../../src-common/inventory/os-release.js';
import { cgroupLayoutFromMounts, parseCgroupControllers, parseProcCgroups } from '../../remote-scripts/helper/inventory/cgroup-mode.js';
import { parseCpuMax, parseCpuStat, parseIoStat, parseLimit, parseSingleValue } from '../../remote-scripts/helper/inventory/cgroup-v2-files.js';
import { containerFromCgroupPath, containerFromMounts } from '../../remote-scripts/helper/inventory/container-identity.js';
import { parseCpuinfo } from '../../remote-scripts/helper/inventory/cpuinfo.js';
import { containerFromInspect, containersFromList, parseDockerStats, withInspect } from '../../remote-scripts/helper/inventory/docker-api.js';
import { parseIpAddrJson } from '../../remote-scripts/helper/inventory/ip-addr.js';
import { parseLoadavg } from '../../remote-scripts/helper/inventory/loadavg.js';
import { localUsersFrom, parseGroup, parseLoginDefsUidRange, parsePasswd } from '../../remote-scripts/helper/inventory/local-users.js';
import { memoryFromMeminfo, parseMeminfo, parseZoneinfoLowWatermarkPages } from '../../remote-scripts/helper/inventory/meminfo.js';
import { parseMountinfo, parseProcMounts, selectRealFilesystems } from '../../remote-scripts/helper/inventory/mountinfo.js';
import { parseNetDev } from '../../remote-scripts/helper/inventory/net-dev.js';
import { attachProcesses, computeAppsFromCsv, gpusFromQueryGpuCsv } from '../../remote-scripts/helper/inventory/nvidia-smi-csv.js';
import { parseNvidiaSmiList } from '../../remote-scripts/helper/inventory/nvidia-smi-list.js';
import { parseNvidiaSmiQueryText, parseQueryTree } from '../../remote-scripts/helper/inventory/nvidia-smi-query-text.js';
import { parseNvidiaSmiTable } from '../../remote-scripts/helper/inventory/nvidia-smi-table.js';
import { parseNvidiaSmiVersion } from '../../remote-scripts/helper/inventory/nvidia-smi-version.js';
import { parseNvidiaSmiXml } from '../../remote-scripts/helper/inventory/nvidia-smi-xml.js';
import { describeCgroupMembership, parseProcPidCgroup } from '../../remote-scripts/helper/inventory/proc-pid-cgroup.js';
import { cpuUsageBetween, parseProcStat } from '../../remote-scripts/helper/inventory/proc-stat.js';
import { parseXml } from '../../remote-scripts/helper/inventory/xml-lite.js';
import { diskRates, parseDiskstats } from '../../remote-scripts/helper/monitor/diskstats.js';
import { gpuReadingFromXml } from '../../remote-scripts/helper/monitor/gpu-sample.js';
import { isJupyterKernel } from '../../remote-scripts/helper/monitor/jupyter.js';
import { parsePressure } from '../../remote-scripts/helper/monitor/pressure.js';
import { commandLine, parseCmdline, parseLoginUid, parsePidStat, parsePidStatus } from '../../remote-scripts/helper/monitor/proc-pid-files.js';
import { parseGetconfLibc, parseLddVersion } from '../../remote-scripts/helper/probe/libc.js';
import { jsonOrNull, type FuzzTarget } from './fuzz.test-util.js';
import * as S from './seeds.test-util.js';

/**
 * Every parser the helper runs on what a host gives it (files under /proc, /sys and /etc, command
 * output, the Docker API), each with the code that consumes its output on the same data.
 */

const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
const HEX64 = 'a'.repeat(64);

/** `nvidia-smi -q -x` is thrown out with this message when the root element is not nvidia_smi_log (its contract). */
const notNvidiaXml = (err: unknown): boolean => err instanceof Error && err.message.startsWith('not nvidia-smi XML');

/** A JSON array of `n` copies of `item`. */
const jsonArray = (item: string, size: number): string => `[${fill(`${item},`, size - 2).replace(/,*$/, '')}]`;

export const HOST_TARGETS: FuzzTarget[] = [
  {
    name: 'parseOsRelease (os-release)',
    parse: parseOsRelease,
    seeds: S.SEEDS.osRelease(),
    alphabet: '="\'\\$`#',
    worstCases: (n) => [`NAME="${fill('\\"', n)}`, `A=${fill("'", n)}`, fill('A=1\n', n), `__proto__=x\nconstructor=y\n${fill('x', n)}`],
  },
  {
    name: 'parseCpuinfo (/proc/cpuinfo)',
    parse: parseCpuinfo,
    seeds: [S.CPUINFO_X86, S.CPUINFO_ARM],
    alphabet: ':\t',
    worstCases: (n) => [fill('processor\t: 0\n\n', n), fill('Hardware\t: x\n\n', n), fill('processor\t: 1\nphysical id\t: 0\ncore id\t: 1\n\n', n)],
  },
  {
    name: 'parseMeminfo + memoryFromMeminfo (/proc/meminfo)',
    parse: (t) => memoryFromMeminfo(parseMeminfo(t)),
    seeds: S.SEEDS.meminfo(),
    alphabet: ': k',
    worstCases: (n) => [`MemTotal: 1${fill(' ', n)}x`, `MemTotal:${fill(' ', n)}1 kB x`, fill('A: 1 kB\n', n)],
  },
  {
    name: 'parseZoneinfoLowWatermarkPages (/proc/zoneinfo)',
    parse: parseZoneinfoLowWatermarkPages,
    seeds: [S.ZONEINFO],
    worstCases: (n) => [`${fill(' ', n)}low`, ` low ${fill('1', n)} x`, ` low 1${fill(' ', n)}x`],
  },
  {
    name: 'parseLoadavg (/proc/loadavg)',
    parse: parseLoadavg,
    seeds: S.SEEDS.loadavg(),
    alphabet: './',
    worstCases: (n) => [fill('1.', n), `1 1 1 ${fill('1', n)}`, fill('1 ', n)],
  },
  {
    name: 'parseProcStat + cpuUsageBetween (/proc/stat)',
    parse: (t) => {
      const stat = parseProcStat(t);
      return cpuUsageBetween(stat, stat);
    },
    seeds: S.SEEDS.procStat(),
    worstCases: (n) => [fill('cpu0 1 2 3 4\n', n), `cpu ${fill('1 ', n)}`],
  },
  {
    name: 'parseNetDev (/proc/net/dev)',
    parse: parseNetDev,
    seeds: [S.NET_DEV],
    alphabet: ':|',
    worstCases: (n) => [fill('e:1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n', n), `e:${fill(' 1', n)}`],
  },
  {
    name: 'parseMountinfo + cgroup layout, container id, real filesystems (/proc/self/mountinfo)',
    parse: (t) => {
      const mounts = parseMountinfo(t);
      return { mounts, layout: cgroupLayoutFromMounts(mounts), container: containerFromMounts(mounts), real: selectRealFilesystems(mounts) };
    },
    seeds: S.SEEDS.mountinfo(),
    alphabet: ' -,\\"',
    amplification: 12,
    worstCases: (n) => [
      fill('1 2 3:4 / /a rw - ext4 /dev/x rw\n', n),
      `1 2 3:4 / /a rw - cgroup cgroup ${fill('x,', n)}`,
      `1 2 3:4 / /a ${fill('"', n)} - ext4 /dev/x rw`,
      `1 2 3:4 ${fill('\\040', n)} /a rw - ext4 /dev/x rw`,
      `1 2 3:4 ${fill('/kubepods', n)} /sys/fs/cgroup rw - cgroup2 cgroup2 rw`,
      fill('1 2 3:4 /x /etc/hostname rw - ext4 /dev/x rw\n', n),
    ],
  },
  {
    name: 'parseProcMounts (/proc/mounts)',
    parse: (t) => selectRealFilesystems(parseProcMounts(t)),
    seeds: [S.PROC_MOUNTS],
    alphabet: ' ,\\"',
    amplification: 12,
    worstCases: (n) => [fill('a b c d\n', n), `a b c ${fill('x,', n)}`],
  },
  {
    name: 'parseDiskstats + diskRates (/proc/diskstats)',
    parse: (t) => diskRates(parseDiskstats(t), parseDiskstats(t), 1, null),
    seeds: [S.DISKSTATS],
    worstCases: (n) => [fill('1 2 sda 1 1 1 1 1 1 1 1 1 1 1\n', n), `1 2 ${fill('sda1', n)} 1 1 1 1 1 1 1 1 1 1 1`],
  },
  {
    name: 'parsePressure (/proc/pressure/*)',
    parse: parsePressure,
    seeds: [S.PRESSURE],
    alphabet: '=.',
    worstCases: (n) => [`some ${fill('avg10', n)}`, `some ${fill(' ', n)}avg10=1`, fill('some avg10=1.0\n', n)],
  },
  {
    name: 'parsePidStat, parsePidStatus, parseLoginUid, parseCmdline, commandLine, isJupyterKernel (/proc/PID/*)',
    parse: (t) => {
      const argv = parseCmdline(t);
      return [parsePidStat(t), parsePidStatus(t), parseLoginUid(t), commandLine(argv, 'x'), isJupyterKernel(argv)];
    },
    seeds: [S.PID_STAT, S.PID_STATUS, S.CMDLINE],
    alphabet: '()\0\t',
    amplification: 12,
    worstCases: (n) => [fill('(', n), fill(')', n), `1 (${fill(')', n)}`, `Uid:${fill('\n', n)}`, fill('Uid:\t\n', n), fill('python\0-m\0', n), `python\0${fill('-m\0', n)}`],
  },
  {
    name: 'parseProcPidCgroup + describeCgroupMembership (/proc/PID/cgroup)',
    parse: (t) => describeCgroupMembership(parseProcPidCgroup(t)),
    seeds: S.SEEDS.procPidCgroup(),
    alphabet: ':/,.-',
    worstCases: (n) => [
      fill('0::/a\n', n),
      `0::${fill('/kubepods', n)}`,
      `0::${fill('/docker-', n)}`,
      `0::/kubepods${fill(`/${HEX64.slice(1)}`, n)}`,
      `0::${fill('/user-1.slice', n)}`,
      fill('1:name=systemd:/\n', n),
    ],
  },
  {
    name: 'containerFromCgroupPath (cgroup paths)',
    parse: containerFromCgroupPath,
    seeds: S.SEEDS.procPidCgroup().flatMap((t) => t.split('\n').map((l) => l.slice(l.lastIndexOf(':') + 1))),
    alphabet: '/.-',
    worstCases: (n) => [fill('/kubepods', n), `/kubepods/${fill('a/', n)}`, fill('kubepods-', n), fill('/docker-', n), `/kubepods${fill(`/${HEX64}x`, n)}`, fill(`/libpod-${HEX64}`, n)],
  },
  {
    name: 'parseProcCgroups, parseCgroupControllers (/proc/cgroups, cgroup.controllers)',
    parse: (t) => [parseProcCgroups(t), parseCgroupControllers(t)],
    seeds: [...S.SEEDS.procCgroups(), 'cpuset cpu io memory hugetlb pids rdma misc\n'],
  },
  {
    name: 'cgroup v2 one-value files: cpu.max, memory.max, memory.peak',
    parse: (t) => [parseCpuMax(t), parseLimit(t), parseSingleValue(t)],
    seeds: S.SEEDS.cgroupV2(),
    worstCases: (n) => [`max ${fill('1', n)}`, fill('1', n), `${fill(' ', n)}max`],
  },
  {
    name: 'cgroup v2 keyed files: cpu.stat, memory.stat (parseCpuStat, parseFlatKeyed), io.stat (parseIoStat)',
    parse: (t) => [parseCpuStat(t), parseIoStat(t)],
    seeds: S.SEEDS.cgroupV2(),
    alphabet: ':=',
    amplification: 16,
    worstCases: (n) => [fill('8:0 rbytes=1 ', n), fill('8:0 ', n), fill('a 1\n', n), fill('=', n)],
  },
  {
    name: 'parseXml (nvidia-smi -q -x)',
    parse: parseXml,
    seeds: S.SEEDS.nvidiaXml(),
    deepNesting: (n) => `${fill('<a>', n / 2)}${fill('</a>', n / 2)}`,
    alphabet: '<>/="&![',
    // An element is 2 characters of input ("<>") but carries its four field names.
    amplification: 24,
    worstCases: (n) => [
      `<a ${fill('x', n)}>`,
      `<a ${fill('x= ', n)}>`,
      `<a ${fill('x="', n)}>`,
      `<r>${fill('<a>', n / 2)}${fill('</b>', n / 2)}</r>`,
      fill('<a><b></a>', n),
      fill('<>', n),
      fill('<a/>', n),
      `<a>${fill('&amp;&#x41;&bogus;', n)}</a>`,
      `<a>${fill('&constructor;&__proto__;&#x110000;&#99999999999;', n)}</a>`,
      fill('<!--', n),
      fill('<![CDATA[', n),
      `<!DOCTYPE a ${fill('[', n)}`,
    ],
  },
  {
    name: 'parseNvidiaSmiXml + gpuReadingFromXml (nvidia-smi -q -x)',
    parse: (t) => [parseNvidiaSmiXml(t), gpuReadingFromXml(t)],
    expectedError: notNvidiaXml,
    seeds: S.SEEDS.nvidiaXml(),
    deepNesting: (n) => `<nvidia_smi_log><gpu>${fill('<processes>', n / 2)}${fill('</processes>', n / 2)}</gpu></nvidia_smi_log>`,
    alphabet: '<>/"&',
    amplification: 24,
    worstCases: (n) => {
      const gpu = '<gpu id="00000000:01:00.0"><product_name>x</product_name><clocks><sm_clock>1 MHz</sm_clock></clocks><processes><process_info><pid>1</pid><used_memory>1 MiB</used_memory></process_info></processes></gpu>';
      return [
        `<nvidia_smi_log>${fill(gpu, n)}</nvidia_smi_log>`,
        `<nvidia_smi_log>${fill('<gpu>', n)}`,
        `<nvidia_smi_log><gpu><processes>${fill('<process_info><pid>1</pid></process_info>', n)}</processes></gpu></nvidia_smi_log>`,
        `<nvidia_smi_log>${fill('<gpu><clocks>', n)}`,
        `<nvidia_smi_log><gpu>${fill('<clocks>', n)}`,
        `<nvidia_smi_log>${fill('<gpu/>', n)}</nvidia_smi_log>`,
        `<nvidia_smi_log><gpu><ecc_errors><volatile>${fill('<a_uncorrectable>1</a_uncorrectable>', n)}</volatile></ecc_errors></gpu></nvidia_smi_log>`,
        `<nvidia_smi_log><gpu><ecc_errors><volatile>${fill('<a_uncorrectable><a_uncorrectable_b>1</a_uncorrectable_b></a_uncorrectable>', n)}</volatile></ecc_errors></gpu></nvidia_smi_log>`,
      ];
    },
  },
  {
    name: 'gpusFromQueryGpuCsv + computeAppsFromCsv + attachProcesses (nvidia-smi --query-*)',
    parse: (t) => attachProcesses(gpusFromQueryGpuCsv(t), computeAppsFromCsv(t)),
    seeds: [...S.SEEDS.nvidiaCsvGpu(), ...S.SEEDS.nvidiaCsvApps()],
    alphabet: ',[] ',
    // A row of one character is a GPU of seventeen fields.
    amplification: 32,
    worstCases: (n) => [
      `${fill('a, ', n / 2)}\n${fill('x\n', n / 2)}`,
      `name [${fill('[', n)}`,
      `name, uuid\n${fill('x, GPU-1\n', n / 2)}`,
      `pid, gpu_uuid, process_name\n${fill('1, GPU-1, x\n', n / 2)}\nname, uuid\n`,
      `uuid, pci.bus_id, pid, gpu_uuid, gpu_bus_id\n${fill('GPU-1, 00:01, 1, GPU-1, 00:01\n', n)}`,
      `process_name, pid\n${fill('x, ', n)}1`,
    ],
  },
  {
    name: 'parseNvidiaSmiList (nvidia-smi -L)',
    parse: parseNvidiaSmiList,
    seeds: S.SEEDS.nvidiaList(),
    alphabet: '():',
    worstCases: (n) => [`GPU 0: ${fill(' (UUID: ', n)}`, `GPU 0: ${fill(' (UUID: ', n)})x)`, `GPU 0: x (UUID: a)${fill(' ', n)}x`, `MIG x${fill(' ', n)}x`, fill('GPU 0: x (UUID: GPU-1)\n  MIG 1g Device 0: (UUID: MIG-1)\n', n)],
  },
  {
    name: 'parseQueryTree + parseNvidiaSmiQueryText (nvidia-smi -q)',
    parse: (t) => [parseQueryTree(t), parseNvidiaSmiQueryText(t)],
    seeds: S.SEEDS.nvidiaQueryText(),
    alphabet: ' :=',
    amplification: 24,
    deepNesting: (n) => {
      let deep = '';
      for (let i = 0; deep.length < n; i++) deep += `${' '.repeat(i)}k : v\n`;
      return deep;
    },
    worstCases: (n) => [fill('GPU 00000000:01:00.0\n', n), fill('k : v\n', n), `GPU 00000000:01:00.0\n${fill('    Processes\n', n)}`],
  },
  {
    name: 'parseNvidiaSmiTable (nvidia-smi)',
    parse: parseNvidiaSmiTable,
    seeds: S.SEEDS.nvidiaTable(),
    alphabet: '|/+=-',
    worstCases: (n) => {
      const head = '| NVIDIA-SMI 1 Driver Version: 1 CUDA Version: 1 |\n|=====|\n';
      return [
        `${head}|   0  ${fill(' ', n)}x |\n| |\n`,
        `${head}|   0  x On | x | x |\n| ${fill('a', n)} | ${fill('a', n / 4)} | ${fill(' ', n / 4)}x |\n`,
        `${head}|   0  x On | x | x |\n| 1 2 3 ${fill('/', n)} x | x | x |\n`,
        `Processes:\n|=====|\n|    0  1  C  ${fill(' ', n)}x |`,
        `Processes:\n|=====|\n|    0  1  C  x${fill(' 1MiB', n)} |x`,
        fill('NVIDIA-SMI ', n),
        `${head}${fill('|   0  x On | x | x |\n', n)}`,
      ];
    },
  },
  {
    name: 'parseNvidiaSmiVersion (nvidia-smi --version)',
    parse: parseNvidiaSmiVersion,
    seeds: [S.NVIDIA_VERSION],
    worstCases: (n) => [fill('a:\n', n), `DRIVER version${fill(' ', n)}: 1`],
  },
  {
    name: 'containersFromList + withInspect (Docker GET /containers/json)',
    parse: (t) => {
      const json = jsonOrNull(t);
      return containersFromList(json).map((c) => withInspect(c, json));
    },
    seeds: S.SEEDS.dockerList(),
    // A container is "{}" in the list and a dozen named fields out.
    amplification: 64,
    worstCases: (n) => [jsonArray('{}', n), jsonArray('{"Names":["/a"],"Labels":{"a":"b"}}', n), `[{"Names":${jsonArray('"/a"', n - 20)}}]`, `${fill('[', n / 2)}${fill(']', n / 2)}`],
  },
  {
    name: 'containerFromInspect + parseDockerStats (Docker GET /containers/{id}/json, /stats)',
    parse: (t) => {
      const json = jsonOrNull(t);
      return [containerFromInspect(json), parseDockerStats(json)];
    },
    seeds: [...S.SEEDS.dockerInspect(), ...S.SEEDS.dockerStats()],
    worstCases: (n) => [
      `{"HostConfig":{"DeviceRequests":${jsonArray('{"Driver":"nvidia","DeviceIDs":["0","1"]}', n - 40)}}}`,
      `{"HostConfig":{"Devices":${jsonArray('{"PathOnHost":"/dev/nvidia0"}', n - 40)}}}`,
      `{"Config":{"Env":["NVIDIA_VISIBLE_DEVICES=${fill('0,', n - 60)}"]}}`,
      `{"Config":{"Env":${jsonArray('"A=1"', n - 20)}}}`,
      `{"networks":{${fill('"a":{"rx_bytes":1},', n - 20)}"b":{}}}`,
      `{"blkio_stats":{"io_service_bytes_recursive":${jsonArray('{"op":"read","value":1}', n - 50)}}}`,
    ],
  },
  {
    name: 'parseIpAddrJson (ip -j addr)',
    parse: parseIpAddrJson,
    seeds: [S.IP_ADDR_JSON],
    amplification: 16,
    worstCases: (n) => [jsonArray('{"ifname":"a","addr_info":[{"local":"1","prefixlen":1}]}', n), `[{"ifname":"a","addr_info":${jsonArray('{"local":"1"}', n - 40)}}]`],
  },
  {
    name: 'parsePasswd + parseGroup + localUsersFrom (/etc/passwd, /etc/group)',
    parse: (t) => localUsersFrom(parsePasswd(t), parseGroup(t), parseLoginDefsUidRange(t)),
    seeds: [S.PASSWD, S.GROUP, `${S.PASSWD}${S.GROUP}`],
    alphabet: ':,+-#',
    amplification: 16,
    worstCases: (n) => [
      `${fill('u1:x:1000:1000::/h:/bin/sh\n', n / 2)}${fill('g:x:1:u1\n', n / 2)}`,
      `${fill('u:x:1000:1000::/h:/bin/sh\n', n / 2)}sudo:x:27:${fill('u,', n / 2)}`,
      `${Array.from({ length: n / 64 }, (_, i) => `u${i}:x:${1000 + i}:1000::/h:/s\n`).join('')}${Array.from({ length: n / 64 }, (_, i) => `g${i}:x:${i}:u${i}\n`).join('')}`,
    ],
  },
  {
    name: 'parseLoginDefsUidRange (/etc/login.defs)',
    parse: parseLoginDefsUidRange,
    seeds: [S.LOGIN_DEFS],
    worstCases: (n) => [fill('\n', n), `${fill(' ', n)}x`, fill('UID_MIN\n', n)],
  },
  {
    name: 'parseGetconfLibc + parseLddVersion (getconf GNU_LIBC_VERSION, ldd --version)',
    parse: (t) => [parseGetconfLibc(t), parseLddVersion(t)],
    seeds: [S.GETCONF, ...S.LDD],
    alphabet: '().',
    worstCases: (n) => [fill('musl libc ', n), fill('GLIBC', n), `GLIBC ${fill('(', n)}`, fill('GNU libc) ', n), `ldd (GLIBC) 2.36${fill(' ', n)}x`, `glibc ${fill('1.', n)}`, `musl libc Version ${fill('1.', n)}`],
  },
];
