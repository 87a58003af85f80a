import { FleetdeckError } from '../../../src-common/problems.js';
import { defineCommand, type CliCommand } from '../cli/command.js';
import { dataDir, print } from '../cli/target.js';
import { Fleet } from '../fleet.js';
import { hostKeyName } from './host-key-policy.js';

export const hostkeysCommands: CliCommand[] = [
  defineCommand({
    path: ['hostkeys', 'forget'],
    args: 'NAME',
    summary: 'drop a trusted host key (after a legitimate reinstall of the server)',
    details: 'NAME is a stored host\'s name, or the key\'s host name as ssh writes it.\nExamples:\n  fleetdeck hostkeys forget gpu-1\n  fleetdeck hostkeys forget \'[10.0.0.5]:2222\'',
    flags: [],
    run: async ({ positionals, flags, io }) => {
      const name = positionals[0];
      if (!name) throw new FleetdeckError('invalid-input', 'Usage: fleetdeck hostkeys forget NAME (e.g. "[10.0.0.5]:2222" or gpu-1).');
      const fleet = new Fleet({ dataDir: dataDir(flags) });
      try {
        const owner = fleet.hosts.list().find((h) => h.name.toLowerCase() === name.toLowerCase() || hostKeyName(h.address, h.port) === name);
        // A stored host's name means its key, whatever address it has.
        const keyName = owner && owner.name.toLowerCase() === name.toLowerCase() ? hostKeyName(owner.address, owner.port) : name;
        const n = fleet.policy.forget(keyName);
        if (n) fleet.audit.record({ hostId: owner?.id ?? null, hostName: owner?.name ?? null, operation: 'hostkeys.forget', summary: `forgot ${n} trusted key(s) of ${keyName}`, result: 'ok' });
        print(io, { forgotten: n, name: keyName }, flags, () => `forgot ${n} key(s) of ${keyName}`);
        return 0;
      } finally {
        fleet.close();
      }
    },
  }),
];
