import { helperApi } from '../../../src-common/protocol/helper-api.js';
import { defineCommand, type CliCommand, type CommandContext } from '../cli/command.js';
import { formatInventory, formatProbe } from '../cli/format.js';
import { CONNECT_FLAGS, openHelper, print } from '../cli/target.js';

/** `fleetdeck probe|inventory HOST|--local`: what a host is. A stored host's facts are stored too, as the app does. */
async function facts(kind: 'probe' | 'inventory', { positionals, flags, io }: CommandContext): Promise<number> {
  const opened = await openHelper(positionals, flags, io, (kind === 'probe' ? helperApi.probe : helperApi.inventorySnapshot).method);
  try {
    const value = kind === 'probe' ? await opened.helper.request(helperApi.probe, {}) : await opened.helper.request(helperApi.inventorySnapshot, {});
    if (opened.fleet && opened.storedId !== null) opened.fleet.hosts.saveFacts(opened.storedId, kind === 'probe' ? { probe: value } : { inventory: value });
    print(io, value, flags, kind === 'probe' ? formatProbe : formatInventory);
    return 0;
  } finally {
    opened.dispose();
  }
}

export const inventoryCommands: CliCommand[] = [
  defineCommand({
    path: ['probe'],
    args: 'HOST|--local',
    summary: 'distro, init system, cgroups, package manager, container runtimes and GPUs of a host',
    details: 'HOST is a stored host\'s name (its facts are stored, as the app does) or USER@HOST[:PORT].\nExamples:\n  fleetdeck probe gpu-1\n  fleetdeck probe admin@10.0.0.5 -p 2222 --accept-new\n  fleetdeck probe --local --root /mnt/image',
    flags: [CONNECT_FLAGS],
    run: (ctx) => facts('probe', ctx),
  }),
  defineCommand({
    path: ['inventory'],
    args: 'HOST|--local',
    summary: 'CPU, memory, disks, network, users, containers and GPUs of a host',
    details: 'HOST is a stored host\'s name (its inventory is stored: the inventory report uses it) or USER@HOST[:PORT].\nExamples:\n  fleetdeck inventory gpu-1 --json\n  fleetdeck inventory --local',
    flags: [CONNECT_FLAGS],
    run: (ctx) => facts('inventory', ctx),
  }),
];
