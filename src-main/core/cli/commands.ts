import { auditCommands } from '../audit/audit.cli.js';
import { limitsCommands } from '../change/limits.cli.js';
import { usersCommands } from '../change/users.cli.js';
import { groupsCommands } from '../change/groups.cli.js';
import { modulesCommands } from '../change/modules.cli.js';
import { hostsCommands } from '../hosts/hosts.cli.js';
import { inventoryCommands } from '../inventory/inventory.cli.js';
import { watchCommands } from '../monitor/watch.cli.js';
import { reportCommands } from '../reports/report.cli.js';
import { serveCommands } from '../server/serve.cli.js';
import { hostkeysCommands } from '../ssh/hostkeys.cli.js';
import type { CliCommand } from './command.js';
import { completionCommands } from './completion.cli.js';

/** Every CLI command, in the order `fleetdeck help` lists them. Each capability declares its own. */
export const COMMANDS: readonly CliCommand[] = [
  ...inventoryCommands,
  ...watchCommands,
  ...hostsCommands,
  ...modulesCommands,
  ...limitsCommands,
  ...usersCommands,
  ...groupsCommands,
  ...hostkeysCommands,
  ...reportCommands,
  ...auditCommands,
  ...serveCommands,
  ...completionCommands,
];
