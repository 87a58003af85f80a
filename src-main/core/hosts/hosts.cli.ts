import type { FootprintPlan, FootprintResult } from '../../../src-common/footprint/footprint.contract.js';
import type { ConnectionState, Host } from '../../../src-common/hosts/host.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { defineCommand, type CliCommand, type FlagGroup } from '../cli/command.js';
import { ask } from '../cli/prompt.js';
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
    'allow-duplicate': { help: 'store it even if another stored host logs in as the same user@address:port' },
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
        const host = (await fleet
          .call('hosts.add', { ...base, name: typeof flags.name === 'string' ? flags.name : base.name, tags: typeof flags.tags === 'string' ? flags.tags.split(',') : [], ifDuplicate: flags['allow-duplicate'] ? 'add' : 'refuse' })
          .catch((err: unknown) => {
            // The same login stored twice is usually a mistake: say so, and how to mean it.
            if (err instanceof FleetdeckError && err.details?.duplicateOf) throw new FleetdeckError('invalid-input', `${err.message.replace(/ To keep a second entry.*$/, '')} Add --allow-duplicate to store a second entry anyway.`, err.details);
            throw err;
          })) as Host;
        print(io, host, flags, (h: Host) => `added ${h.name} (${h.user}@${h.address}:${h.port})`);
        return 0;
      }),
  }),
  defineCommand({
    path: ['hosts', 'names'],
    summary: 'the stored hosts\' names, one per line (for shell completion)',
    flags: [],
    maxArgs: 0,
    hidden: true,
    run: ({ flags, io }) =>
      withFleet(dataDir(flags), async (fleet) => {
        for (const h of fleet.hosts.list()) io.stdout.write(`${h.name}\n`);
        return 0;
      }),
  }),
  defineCommand({
    path: ['hosts', 'remove'],
    args: 'NAME',
    summary: 'forget a stored host; with --cleanup, first remove what Fleetdeck put on it',
    details:
      'Without --cleanup nothing on the server changes: the helper (and, where the host had no Node, the\nportable runtime) stay in ~/.cache/fleetdeck and /var/lib/fleetdeck/root. With --cleanup Fleetdeck\nconnects, shows what it would remove, asks (unless --yes), removes it and reads back that it is gone.\nThe trusted host key stays; see "hostkeys forget".\nExamples:\n  fleetdeck hosts remove gpu-1\n  fleetdeck hosts remove gpu-1 --cleanup --yes',
    flags: [
      {
        title: 'Remove options',
        flags: {
          cleanup: { help: 'also remove the helper and runtime Fleetdeck put on the host (connects; sudo for root\'s copies: FLEETDECK_SUDO_PASSWORD)' },
          yes: { alias: 'y', help: 'do not ask before removing files from the host' },
        },
      },
    ],
    run: ({ positionals, flags, io }) =>
      withFleet(dataDir(flags), async (fleet) => {
        const name = positionals[0];
        const host = name ? fleet.hosts.findByName(name) : null;
        if (!host) throw new FleetdeckError('not-found', `No host named "${(name ?? '').slice(0, 80)}". See "fleetdeck hosts list".`);
        let cleaned: FootprintResult | null = null;
        if (flags.cleanup) {
          const credentials = { ...(process.env.FLEETDECK_PASSWORD ? { password: process.env.FLEETDECK_PASSWORD } : {}), ...(process.env.FLEETDECK_SUDO_PASSWORD ? { sudoPassword: process.env.FLEETDECK_SUDO_PASSWORD } : {}) };
          const state = (await fleet.call('hosts.connect', { id: host.id, ...(Object.keys(credentials).length ? { credentials } : {}) })) as ConnectionState;
          if (state.state !== 'connected') {
            const failed = state as Extract<ConnectionState, { state: 'failed' }>;
            throw new FleetdeckError((failed.problem ?? 'disconnected') as never, `${host.name}: ${failed.message ?? state.state}${failed.problem === 'unknown-hostkey' ? ` Trust its key first: fleetdeck probe ${host.name} --accept-new` : ''}`);
          }
          const plan = (await fleet.call('footprint.plan', { id: host.id })) as FootprintPlan;
          io.stderr.write(`${plan.summary}\n${plan.rootUnknown ? `note: ${plan.rootUnknown}\n` : ''}`);
          if (plan.items.length) {
            if (!flags.yes) {
              const answer = process.stdin.isTTY ? await ask('Remove these from the host? [y/N] ') : null;
              if (answer?.trim().toLowerCase() !== 'y') throw new FleetdeckError('cancelled', 'Nothing was removed, and the host is still stored. Run again with --yes to skip the question.');
            }
            cleaned = (await fleet.call('footprint.remove', { id: host.id, planId: plan.planId, tag: plan.tag })) as FootprintResult;
            if (!cleaned.verified) throw new FleetdeckError('internal-error', `Still on ${host.name} after removing: ${cleaned.left.map((i) => i.path).join(', ')}. The host is still stored; look at it, then try again.`);
          }
        }
        await fleet.call('hosts.remove', { id: host.id });
        print(io, { removed: host.name, cleanedUp: cleaned?.removed ?? null }, flags, () => `removed ${host.name}${cleaned ? ` (and from the host: ${cleaned.removed.join(', ')}; read back: gone)` : ''}`);
        return 0;
      }),
  }),
];
