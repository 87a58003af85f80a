import os from 'node:os';
import path from 'node:path';

/** Where Fleetdeck keeps its database, keys and CA: $FLEETDECK_DATA_DIR, else $XDG_DATA_HOME/fleetdeck. */
export function defaultDataDir(): string {
  if (process.env.FLEETDECK_DATA_DIR) return process.env.FLEETDECK_DATA_DIR;
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local/share');
  return path.join(base, 'fleetdeck');
}
