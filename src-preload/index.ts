import { contextBridge, ipcRenderer } from 'electron';

/**
 * Exposes exactly two functions to the renderer — never ipcRenderer itself. The typed client
 * (one function per contract method) is built on top of them in the renderer.
 */
const CALL_CHANNEL = 'fleetdeck:call';
const EVENT_CHANNEL = 'fleetdeck:event';

contextBridge.exposeInMainWorld('fleetdeck', {
  async call(method: string, params: unknown): Promise<unknown> {
    const reply = (await ipcRenderer.invoke(CALL_CHANNEL, method, params)) as { result?: unknown; problem?: { problem: string; message: string; details?: unknown } };
    if (reply.problem) {
      const err = new Error(reply.problem.message) as Error & { problem?: string; details?: unknown };
      err.problem = reply.problem.problem;
      err.details = reply.problem.details;
      throw err;
    }
    return reply.result;
  },
  subscribe(event: string, listener: (payload: unknown) => void): () => void {
    const handler = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
});
