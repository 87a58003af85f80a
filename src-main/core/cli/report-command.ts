import { FleetdeckError } from '../../../src-common/problems.js';

export type Flags = Record<string, string | true>;

/** `fleetdeck report inventory|usage|audit [--since …] [--until …] [--host a,b] --format pdf|csv|json|html --out FILE` */
export async function reportCommand(positionals: string[], flags: Flags, ctx: { dataDir: string }): Promise<void> {
  void flags;
  void ctx;
  throw new FleetdeckError('internal-error', `report ${positionals[0] ?? ''} is not built yet.`);
}
