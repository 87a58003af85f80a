import { toApiError } from './api-error.js';
import type { LinkStatus, Transport } from './transport.js';

/** What the Electron preload exposes as `window.fleetdeck`. */
export interface FleetdeckBridge {
  call(method: string, params: unknown): Promise<unknown>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    fleetdeck?: FleetdeckBridge;
  }
}

export function isBridge(value: unknown): value is FleetdeckBridge {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.call === 'function' && typeof v.subscribe === 'function';
}

const ALWAYS_OPEN: LinkStatus = { state: 'open', attempt: 0, retryAt: null, everConnected: true };

/** IPC through the preload bridge: in-process, so the link is always up. */
export class BridgeTransport implements Transport {
  constructor(private readonly bridge: FleetdeckBridge) {}

  start(): void {}

  async call(method: string, params: unknown): Promise<unknown> {
    try {
      return await this.bridge.call(method, params);
    } catch (err) {
      throw toApiError(err);
    }
  }

  subscribe(event: string, listener: (payload: unknown) => void): () => void {
    return this.bridge.subscribe(event, listener);
  }

  link(): LinkStatus {
    return ALWAYS_OPEN;
  }

  onLink(): () => void {
    return () => {};
  }

  retryNow(): void {}

  dispose(): void {}
}
