import { createInterface } from 'node:readline';
import type { WireServerMessage } from '../../../src-common/wire.js';
import type { Fleet } from '../fleet.js';
import { dispatchWire } from './wire-dispatch.js';

/**
 * `fleetdeck serve --stdio`: the app API as one JSON message per line on stdin/stdout, for the
 * Electron shell, which runs the core as a child process (see src-main/app/core-process.ts).
 */
export function serveStdio(fleet: Fleet, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<void> {
  const send = (m: WireServerMessage) => output.write(`${JSON.stringify(m)}\n`);
  const unsubscribe = fleet.events.on((event, payload) => send({ event, payload }));
  const rl = createInterface({ input, crlfDelay: Infinity });
  rl.on('line', async (line) => {
    if (!line.trim()) return;
    const response = await dispatchWire(fleet, line);
    send(response ?? { id: -1, problem: { problem: 'protocol-error', message: 'malformed request line' } });
  });
  return new Promise((resolve) =>
    rl.on('close', () => {
      unsubscribe();
      resolve();
    }),
  );
}
