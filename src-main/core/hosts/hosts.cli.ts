import type { Host } from '../../../src-common/hosts/host.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { defineCommand, type CliCommand, type FlagGroup } from '../cli/command.js';
import { CONNECT_FLAGS, dataDir, hostFromTarget, print } from '../cli/target.js';
import { Fleet } from '../fleet.js';

/** `fleetdeck hosts list|add|remove`: the hosts stored in Fleetdeck, the same list the app shows. */
const ADD_FLAGS: FlagGroup = {
  title: 'Host options',
  flags: {
    name: { value: 'NAME', help: 'the name it is shown and addressed by (default: the address)' },
    tags: { value: 'A,B', help: 'comma-separated tags, e.g. lab,gpu' },
    port: CONNECT_FLAGS.flags.port!,
    identity: CONNECT_FLAGS.flags.identity!,
    jump: CONNECT_FLAGS.flags.jump!,
    password: { help: 'log in with a password (asked when connecting; never stored by the CLI)' },
  },
};

async function withFleet<T>(dir: string, fn: (fleet: Fleet) => Promise<T>): Promise<T> {
  const fleet = new Fleet({ dataDir: dir });
  try {
    return await fn(fleet);
  } finally {
    fleet.close();
  }
}

export const hostsCommands: CliCommand[] = [
  defineCommand({
    path: ['hosts'],
    summary: 'list the stored hosts (the same as "hosts list")',
    flags: [],
    maxArgs: 0,
    hidden: true,
    run: async (ctx) => hostsCommands[1]!.run(ctx),
  }),
  defineCommand({
    path: ['hosts', 'list'],
    summary: 'list the stored hosts',
    flags: [],
    maxArgs: 0,
    run: ({ flags, io }) =>
      withFleet(dataDir(flags), async (fleet) => {
        const list = fleet.hosts.list();
        print(io, list, flags, (l: Host[]) => (l.length ? l.map((h) => `${h.name.padEnd(20)} ${h.user}@${h.address}:${h.port} ${h.tags.join(',')}`).join('\n') : 'No hosts yet: fleetdeck hosts add USER@HOST --name NAME'));
        return 0;
      }),
  }),
  defineCommand({
    path: ['hosts', 'add'],
    args: 'USER@HOST',
    summary: 'store a host (nothing is sent to it until you connect)',
    details: 'Examples:\n  fleetdeck hosts add admin@10.0.0.5 --name gpu-1 --tags lab,gpu\n  fleetdeck hosts add me@box.lan -p 2222 -i ~/.ssh/id_lab --name box',
    flags: [ADD_FLAGS],
    run: ({ positionals, flags, io }) =>
      withFleet(dataDir(flags), async (fleet) => {
        const base = hostFromTarget(positionals[0], flags);
        const host = (await fleet.call('hosts.add', { ...base, name: typeof flags.name === 'string' ? flags.name : base.name, tags: typeof flags.tags === 'string' ? flags.tags.split(',') : [] })) as Host;
        print(io, host, flags, (h: Host) => `added ${h.name} (${h.user}@${h.address}:${h.port})`);
        return 0;
      }),
  }),
  defineCommand({
    path: ['hosts', 'remove'],
    args: 'NAME',
    summary: 'forget a stored host (its trusted key stays; see "hostkeys forget")',
    flags: [],
    run: ({ positionals, flags, io }) =>
      withFleet(dataDir(flags), async (fleet) => {
        const name = positionals[0];
        const host = name ? fleet.hosts.findByName(name) : null;
        if (!host) throw new FleetdeckError('not-found', `No host named "${(name ?? '').slice(0, 80)}". See "fleetdeck hosts list".`);
        await fleet.call('hosts.remove', { id: host.id });
        print(io, { removed: host.name }, flags, () => `removed ${host.name}`);
        return 0;
      }),
  }),
];
