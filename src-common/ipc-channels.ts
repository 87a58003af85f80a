/**
 * The IPC channels between the preload bridge and the Electron shell, declared once for both.
 * Every app method travels over `call` (its name is an argument checked against the contracts),
 * so no method name is a channel. Its own file: the sandboxed preload bundles it, and nothing else.
 */
export const IPC_CHANNELS = {
  call: 'fleetdeck:call',
  event: 'fleetdeck:event',
  printToPdf: 'fleetdeck:printToPdf',
} as const;
