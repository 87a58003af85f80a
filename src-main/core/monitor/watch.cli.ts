import { defineCommand, type CliCommand } from '../cli/command.js';
import { CONNECT_FLAGS, openHelper } from '../cli/target.js';
import { watchCommand } from '../cli/watch.js';

export const watchCommands: CliCommand[] = [
  defineCommand({
    path: ['watch'],
    args: 'HOST|--local',
    summary: 'live CPU, memory, disks, GPUs and who uses them, one line per sample',
    details: 'Until --count samples, or Ctrl+C.\nExamples:\n  fleetdeck watch gpu-1 --interval 2 --count 10\n  fleetdeck watch --local --json | jq .users',
    flags: [
      {
        title: 'Watch options',
        flags: {
          interval: { value: 'SECONDS', help: 'between samples (0.25 to 60, default 1)' },
          count: { value: 'N', help: 'stop after N samples (default: until Ctrl+C)' },
        },
      },
      CONNECT_FLAGS,
    ],
    run: async ({ positionals, flags, io }) => {
      await watchCommand(flags, async () => {
        const opened = await openHelper(positionals, flags, io);
        return { source: opened.helper, dispose: opened.dispose };
      }, { write: (s) => io.stdout.write(s), note: (s) => io.stderr.write(s) });
      return 0;
    },
  }),
];
