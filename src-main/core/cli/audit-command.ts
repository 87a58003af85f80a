import { FleetdeckError } from '../../../src-common/problems.js';

export type Flags = Record<string, string | true>;

/** `fleetdeck audit list [--host …] [--operation …] [--result ok|failed] [--since …] [--until …] [--search TEXT] [--limit N] [--json]` */
export async function auditCommand(positionals: string[], flags: Flags, ctx: { dataDir: string }): Promise<void> {
  void flags;
  void ctx;
  throw new FleetdeckError('internal-error', `audit ${positionals[0] ?? ''} is not built yet.`);
}
