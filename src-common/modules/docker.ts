import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';
import { accountName } from './settings-fields.js';

/**
 * Docker Engine: from the distribution (docker.io, moby-engine, docker) or from Docker's own
 * repository (docker-ce), with /etc/docker/daemon.json written by Fleetdeck (log rotation, cgroup
 * driver, live-restore, the NVIDIA runtime on GPU hosts) and chosen admins in the docker group.
 */
export const DOCKER_SOURCES = ['distro', 'docker-repo'] as const;
export const MAX_DOCKER_ADMINS = 32;

/** A list field: an array from the form, or one line of names separated by commas or spaces. */
const nameList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v),
  z
    .array(accountName(), { message: 'Give account names, e.g. ["alice", "bob"].' })
    .max(MAX_DOCKER_ADMINS, `At most ${MAX_DOCKER_ADMINS} admins: manage a larger group with a directory service.`)
    .refine((names) => new Set(names).size === names.length, 'An admin is listed twice: list each account once.'),
);

export const dockerSettings = z
  .object({
    source: z.enum(DOCKER_SOURCES, { message: 'The source is "distro" (the distribution’s package) or "docker-repo" (Docker’s own repository).' }).default('distro'),
    /** auto: systemd where the host runs systemd on cgroup v2 (what Docker and Kubernetes advise), else cgroupfs. */
    cgroupDriver: z.enum(['auto', 'systemd', 'cgroupfs'], { message: 'The cgroup driver is auto, systemd or cgroupfs.' }).default('auto'),
    /** json-file log rotation: size of one log file (Docker's own units: k, m, g). */
    logMaxSize: z
      .string()
      .trim()
      .regex(/^[1-9][0-9]{0,5}[kmg]$/, 'The log size is a number with k, m or g, e.g. 10m (at most 6 digits).')
      .default('10m'),
    logMaxFiles: z.coerce
      .number({ message: 'The number of log files is a whole number from 1 to 100.' })
      .int('The number of log files is a whole number from 1 to 100.')
      .min(1, 'The number of log files is a whole number from 1 to 100.')
      .max(100, 'The number of log files is a whole number from 1 to 100.')
      .default(3),
    /** Containers keep running while dockerd restarts (a daemon.json change restarts it). */
    liveRestore: z.boolean({ message: 'live-restore is true or false.' }).default(true),
    /** Accounts added to the docker group: each can become root on the host. */
    admins: nameList.default([]),
    /** NVIDIA container toolkit: auto = when the probe sees an NVIDIA GPU; on = always; off = never. */
    nvidiaToolkit: z.enum(['auto', 'on', 'off'], { message: 'The NVIDIA toolkit setting is auto, on or off.' }).default('auto'),
  })
  .strict();
export type DockerSettings = z.infer<typeof dockerSettings>;

export const dockerInfo: ModuleInfo = {
  id: 'docker',
  title: 'Docker Engine',
  summary:
    'Docker Engine from the distribution’s packages or from Docker’s own repository, with log rotation, the cgroup driver and live-restore set in /etc/docker/daemon.json, chosen admins in the docker group, and the NVIDIA container toolkit on hosts with an NVIDIA GPU.',
  needs: [],
  notes: [
    'members of the docker group can become root on this host: add only people who may be root',
    'Fleetdeck writes all of /etc/docker/daemon.json: settings there that this form does not have are removed (the plan’s diff shows them)',
    'a daemon.json change restarts dockerd; with live-restore on, running containers keep running',
    'Docker’s repository needs the host to reach download.docker.com; the NVIDIA toolkit needs nvidia.github.io',
  ],
  fields: [
    {
      key: 'source',
      label: 'Packages from',
      kind: 'select',
      options: [
        { value: 'distro', label: 'The distribution (docker.io, moby-engine, docker): its mirror, its security updates' },
        { value: 'docker-repo', label: 'Docker’s repository (docker-ce, newest releases; needs download.docker.com)' },
      ],
      help: 'RHEL, Rocky, AlmaLinux and CentOS ship no Docker: choose Docker’s repository there.',
    },
    {
      key: 'cgroupDriver',
      label: 'cgroup driver',
      kind: 'select',
      options: [
        { value: 'auto', label: 'Automatic (systemd on cgroup v2 with systemd, else cgroupfs)' },
        { value: 'systemd', label: 'systemd' },
        { value: 'cgroupfs', label: 'cgroupfs' },
      ],
      help: 'Changing it on a host with containers: they are re-created on their next start.',
    },
    { key: 'logMaxSize', label: 'Container log file size', kind: 'text', placeholder: '10m', help: 'One json-file log before it rotates (k, m or g).' },
    { key: 'logMaxFiles', label: 'Container log files kept', kind: 'number', help: 'Rotated files kept per container (1–100).' },
    { key: 'liveRestore', label: 'Keep containers running while dockerd restarts (live-restore)', kind: 'boolean' },
    { key: 'admins', label: 'Admins in the docker group', kind: 'list', placeholder: 'alice, bob', help: 'Each of them can become root on this host through Docker.' },
    {
      key: 'nvidiaToolkit',
      label: 'NVIDIA container toolkit',
      kind: 'select',
      options: [
        { value: 'auto', label: 'When the host has an NVIDIA GPU' },
        { value: 'on', label: 'Always (the GPU driver is installed later)' },
        { value: 'off', label: 'Never' },
      ],
    },
  ],
  defaults: { source: 'distro', cgroupDriver: 'auto', logMaxSize: '10m', logMaxFiles: 3, liveRestore: true, admins: [], nvidiaToolkit: 'auto' },
};
