import { IPC_CHANNELS } from '../../src-common/ipc-channels.js';

/**
 * The three IPC channels between the preload bridge and the shell, declared in src-common so the
 * two sides cannot drift apart. Every app method travels over CALL (its name is an argument
 * checked against the contracts), so no method name is a channel.
 */
export const CALL_CHANNEL = IPC_CHANNELS.call;
export const EVENT_CHANNEL = IPC_CHANNELS.event;
export const PRINT_CHANNEL = IPC_CHANNELS.printToPdf;
