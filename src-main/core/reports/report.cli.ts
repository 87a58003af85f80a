import { defineCommand, type CliCommand } from '../cli/command.js';
import { reportCommand } from '../cli/report-command.js';
import { dataDir } from '../cli/target.js';

export const reportCommands: CliCommand[] = [
  defineCommand({
    path: ['report'],
    args: 'inventory|usage|audit',
    summary: 'a report from stored data, as PDF, CSV, JSON or HTML (nothing on a host is touched)',
    details: 'WHEN is now, a span back from now (90m, 24h, 7d, 2w), a date, or a date and time.\nExamples:\n  fleetdeck report usage --since 7d -o usage.pdf\n  fleetdeck report inventory --format csv --host gpu-1,gpu-2 > inventory.csv',
    flags: [
      {
        title: 'Report options',
        flags: {
          format: { value: 'pdf|csv|json|html', help: 'default: from --out\'s extension' },
          out: { alias: 'o', value: 'FILE', help: 'where to write it (default, or -: stdout; a PDF needs a file)' },
          since: { value: 'WHEN', help: 'start of the period (default 7d)' },
          until: { value: 'WHEN', help: 'end of the period (default now)' },
          host: { value: 'NAME[,NAME…]', help: 'only these stored hosts (default: all)' },
        },
      },
    ],
    run: async ({ positionals, flags, io }) => {
      await reportCommand(positionals, flags, { dataDir: dataDir(flags), stdout: io.stdout as NodeJS.WritableStream, stderr: io.stderr as NodeJS.WritableStream });
      return 0;
    },
  }),
];
