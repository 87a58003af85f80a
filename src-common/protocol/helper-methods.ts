/**
 * Method names the helper answers. Versioned where payloads may change (probe1 → probe2 keeps
 * an old core working against a new helper during a rollout).
 */
export const HELPER_METHODS = {
  ping: 'system.ping1',
  probe: 'probe1',
  inventorySnapshot: 'inventory.snapshot1',
  /** Channel: one JSON Sample per line every params.intervalMs (src-common/monitor/sample.schema.ts). */
  metricsStream: 'metrics.stream1',
  /** Who one process is (pid, uid, user, command, start time) or { found: false }. */
  processInspect: 'process.inspect1',
  /** Signals one process only if its start time still matches (else change-conflict). */
  processSignal: 'process.signal1',
  /** Test-only, answered when the helper runs with FLEETDECK_HELPER_DEBUG=1. */
  debugCrash: 'debug.crash1',
  debugSleep: 'debug.sleep1',
  debugStream: 'debug.stream1',
} as const;

export const HELPER_CAPABILITIES = ['probe1', 'inventory.snapshot1', 'metrics.stream1', 'process.inspect1', 'process.signal1', 'channels1'] as const;
