import { auditCommand } from '../cli/audit-command.js';
import { defineCommand, type CliCommand } from '../cli/command.js';
import { dataDir } from '../cli/target.js';

const list = defineCommand({
    path: ['audit', 'list'],
    summary: 'what Fleetdeck did, newest first',
    details: 'WHEN is now, a span back from now (90m, 24h, 7d), a date, or a date and time.\nExamples:\n  fleetdeck audit list --host gpu-1 --since 7d\n  fleetdeck audit list --result failed --operation hosts. --json | jq .',
    maxArgs: 0,
    flags: [
      {
        title: 'Filters',
        flags: {
          host: { value: 'NAME', help: 'one host' },
          user: { value: 'NAME', help: 'who did it (the app user)' },
          operation: { value: 'OP|GROUP.', help: 'e.g. hosts.connect, or hosts. for the whole group' },
          result: { value: 'ok|failed', help: 'only successes or failures' },
          since: { value: 'WHEN', help: 'from' },
          until: { value: 'WHEN', help: 'to' },
          search: { value: 'TEXT', help: 'in the summaries' },
          limit: { value: 'N', help: 'at most N events (default 50)' },
        },
      },
    ],
    run: async ({ flags, io }) => {
      await auditCommand(['list'], flags, { dataDir: dataDir(flags), out: io.stdout as never });
      return 0;
    },
  });

export const auditCommands: CliCommand[] = [list, { ...list, path: ['audit'], hidden: true }];
