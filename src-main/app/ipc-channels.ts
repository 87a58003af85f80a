/**
 * The three IPC channels between the preload bridge and the shell. Every app method travels
 * over CALL (its name is an argument checked against the contracts), so no method name is a
 * channel. Imported by src-preload too, so the two sides cannot drift apart.
 */
export const CALL_CHANNEL = 'fleetdeck:call';
export const EVENT_CHANNEL = 'fleetdeck:event';
export const PRINT_CHANNEL = 'fleetdeck:printToPdf';
