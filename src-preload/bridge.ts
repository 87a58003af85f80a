import type { IpcRenderer } from 'electron';
import { IPC_CHANNELS } from '../src-common/ipc-channels.js';

const { call: CALL_CHANNEL, event: EVENT_CHANNEL, printToPdf: PRINT_CHANNEL } = IPC_CHANNELS;

/**
 * What the preload exposes as `window.fleetdeck`: call and subscribe (plus printToPdf for
 * reports), never ipcRenderer itself. The typed client (one function per contract method) is
 * built on top of them in the renderer.
 */
type Problem = { problem: string; message: string; details?: unknown };

export interface FleetdeckBridge {
  call(method: string, params: unknown): Promise<unknown>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
  /** A report's HTML export printed to PDF by Electron (reports use this instead of the core's Chromium). */
  printToPdf(html: string): Promise<Uint8Array>;
}

export function createBridge(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): FleetdeckBridge {
  return {
    async call(method, params) {
      const reply = (await ipc.invoke(CALL_CHANNEL, method, params)) as { result?: unknown; problem?: Problem };
      // Reject with the plain problem object: the context bridge keeps only the message of an
      // Error, but clones plain objects whole, so the code and details reach the renderer.
      if (reply.problem) throw { problem: reply.problem.problem, message: reply.problem.message, details: reply.problem.details };
      return reply.result;
    },
    subscribe(event, listener) {
      const handler = (_e: unknown, name: string, payload: unknown) => {
        if (name === event) listener(payload);
      };
      ipc.on(EVENT_CHANNEL, handler);
      return () => void ipc.removeListener(EVENT_CHANNEL, handler);
    },
    async printToPdf(html) {
      const reply = (await ipc.invoke(PRINT_CHANNEL, html)) as { result?: Uint8Array; problem?: Problem };
      if (reply.problem) throw { problem: reply.problem.problem, message: reply.problem.message };
      return reply.result!;
    },
  };
}
