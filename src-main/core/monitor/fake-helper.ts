import type { HelperChannelDef } from '../../../src-common/protocol/helper-api.js';
import type { ConnectionState } from '../../../src-common/hosts/host.schema.js';
import { apiEvents } from '../../../src-common/api.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { ChannelHandle, OpenOptions } from '../../../src-common/protocol/endpoint.js';
import type { EventBus } from '../events.js';
import type { MonitorHelper, MonitorSession } from './monitor-service.js';

/**
 * Test and bench support: an in-memory stand-in for a host's helper and session, so the
 * monitor runs its real parsing, storing and reconnect logic without SSH. A channel is fed
 * bytes by the test, cut wherever the test likes.
 */
export class FakeChannel {
  closed = false;
  private settle!: { resolve(): void; reject(e: Error): void };
  readonly handle: ChannelHandle;

  constructor(
    readonly method: string,
    readonly params: unknown,
    private readonly opts: OpenOptions,
  ) {
    const finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    finished.catch(() => undefined);
    this.handle = {
      finished,
      close: () => {
        if (this.closed) return;
        this.closed = true;
        this.settle.reject(new FleetdeckError('cancelled', 'The channel was closed.'));
      },
    };
  }

  /** Delivers bytes as one data frame. */
  send(data: string | Uint8Array): void {
    if (this.closed) return;
    void this.opts.onData(typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }

  /** The helper side ends the channel (cleanly, or with a problem). */
  end(problem?: FleetdeckError): void {
    if (this.closed) return;
    this.closed = true;
    if (problem) this.settle.reject(problem);
    else this.settle.resolve();
  }
}

export class FakeHelper implements MonitorHelper {
  isClosed = false;
  readonly channels: FakeChannel[] = [];

  open(def: HelperChannelDef, params: unknown, opts: OpenOptions): ChannelHandle {
    const ch = new FakeChannel(def.method, params, opts);
    this.channels.push(ch);
    if (this.isClosed) ch.end(new FleetdeckError('disconnected', 'The helper was closed.'));
    return ch.handle;
  }

  get openChannels(): FakeChannel[] {
    return this.channels.filter((c) => !c.closed);
  }

  /** The helper process went away: every channel fails, as the real endpoint's shutdown does. */
  close(): void {
    this.isClosed = true;
    for (const c of this.channels) c.end(new FleetdeckError('disconnected', 'The helper stopped.'));
  }
}

export class FakeSession implements MonitorSession {
  state: ConnectionState = { state: 'idle' };
  helper = new FakeHelper();
  helperCalls = 0;

  constructor(
    private readonly id: number,
    private readonly events: EventBus,
  ) {}

  async helperFor(): Promise<FakeHelper> {
    this.helperCalls++;
    if (this.state.state !== 'connected') throw new FleetdeckError('disconnected', 'not connected');
    return this.helper;
  }

  /** Moves the state and announces it the way Fleet.session() does. */
  setState(state: ConnectionState): void {
    this.state = state;
    this.events.emit(apiEvents.hosts.onState.name, { id: this.id, connection: state });
  }

  connect(): void {
    if (this.helper.isClosed) this.helper = new FakeHelper();
    this.setState({ state: 'connected', since: Date.now() });
  }

  /** The link drops: the helper dies, then the session reports lost. */
  lose(): void {
    this.helper.close();
    this.setState({ state: 'lost', since: Date.now() });
  }
}
