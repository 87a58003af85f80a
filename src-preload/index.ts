import { contextBridge, ipcRenderer } from 'electron';

/**
 * Exposes call and subscribe (plus printToPdf for reports) to the renderer — never ipcRenderer
 * itself. The typed client (one function per contract method) is built on top of them in the renderer.
 */
const CALL_CHANNEL = 'fleetdeck:call';
const EVENT_CHANNEL = 'fleetdeck:event';
const PRINT_CHANNEL = 'fleetdeck:printToPdf';

contextBridge.exposeInMainWorld('fleetdeck', {
  async call(method: string, params: unknown): Promise<unknown> {
    const reply = (await ipcRenderer.invoke(CALL_CHANNEL, method, params)) as { result?: unknown; problem?: { problem: string; message: string; details?: unknown } };
    // Reject with the plain problem object: the context bridge keeps only the message of an
    // Error, but clones plain objects whole, so the code and details reach the renderer.
    if (reply.problem) throw { problem: reply.problem.problem, message: reply.problem.message, details: reply.problem.details };
    return reply.result;
  },
  subscribe(event: string, listener: (payload: unknown) => void): () => void {
    const handler = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
  /** A report's HTML export printed to PDF by Electron (reports use this instead of the core's Chromium). */
  async printToPdf(html: string): Promise<Uint8Array> {
    const reply = (await ipcRenderer.invoke(PRINT_CHANNEL, html)) as { result?: Uint8Array; problem?: { problem: string; message: string } };
    if (reply.problem) throw { problem: reply.problem.problem, message: reply.problem.message };
    return reply.result!;
  },
});
