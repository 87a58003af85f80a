// A slow link in userspace (this kernel has no netem): a TCP proxy on 127.0.0.1:<free port> in
// front of a test host that delays every chunk by `delayMs` in each direction and limits each
// direction to `bitsPerSec`, keeping byte order. It models one link per connection: a chunk is
// serialised after the previous one (size / rate), then arrives `delayMs` later.
//
//   const slow = await startSlowProxy({ target: { path: deb.socketPath(22) } }); // or { port }
//   … connect to 127.0.0.1:slow.port …
//   await slow.close();
//
// Backpressure: a direction holding more than `bufferBytes` undelivered bytes pauses its reader
// (a real link's queue is finite too), so a 100 MB push costs bounded memory. It lives in the
// calling process and only ever listens on and connects to loopback / unix sockets.
import net from 'node:net';

export interface SlowLinkOptions {
  /** Where to forward: a TCP port on 127.0.0.1, or a unix socket (a Debian host's 22.sock). */
  target: { port: number } | { path: string };
  /** One-way delay added to every chunk (ms). Default 200. */
  delayMs?: number;
  /** Rate limit per direction (bits per second). Default 10 Mbit/s. */
  bitsPerSec?: number;
  /** Undelivered bytes per direction before the reader is paused. Default 1 MiB. */
  bufferBytes?: number;
}

export interface SlowProxy {
  port: number;
  /** Bytes delivered so far, per direction, over all connections. */
  stats(): { up: number; down: number; connections: number };
  close(): Promise<void>;
}

interface Chunk {
  data: Buffer;
  at: number;
}

/** One direction of one connection: src → (serialise, delay) → dst, in order. */
function slowPipe(src: net.Socket, dst: net.Socket, o: Required<Omit<SlowLinkOptions, 'target'>>, count: (n: number) => void): void {
  const queue: Chunk[] = [];
  let queued = 0;
  let lineFreeAt = 0; // when the "wire" finishes serialising what is queued
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  const bytesPerMs = o.bitsPerSec / 8 / 1000;

  const pump = () => {
    timer = null;
    const now = Date.now();
    while (queue.length && queue[0]!.at <= now) {
      const c = queue.shift()!;
      queued -= c.data.length;
      count(c.data.length);
      if (!dst.destroyed) dst.write(c.data);
    }
    if (queued < o.bufferBytes && src.isPaused() && !src.destroyed) src.resume();
    if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0]!.at - Date.now()));
    else if (ended && !dst.destroyed) dst.end();
  };

  src.on('data', (data: Buffer) => {
    const now = Date.now();
    // Large reads are cut so that delivery is smooth, not one 64 KiB burst every 50 ms.
    for (let off = 0; off < data.length; off += 16 * 1024) {
      const part = data.subarray(off, Math.min(data.length, off + 16 * 1024));
      lineFreeAt = Math.max(lineFreeAt, now) + part.length / bytesPerMs;
      queue.push({ data: part, at: lineFreeAt + o.delayMs });
      queued += part.length;
    }
    if (queued >= o.bufferBytes) src.pause();
    if (!timer) timer = setTimeout(pump, Math.max(0, queue[0]!.at - Date.now()));
  });
  src.on('end', () => {
    ended = true;
    if (!timer) pump();
  });
  // A reset on one side is a reset on the other: nothing queued is delivered after it.
  src.on('close', () => {
    if (!ended) {
      if (timer) clearTimeout(timer);
      queue.length = 0;
      dst.destroy();
    }
  });
}

export function startSlowProxy(opts: SlowLinkOptions): Promise<SlowProxy> {
  const o = { delayMs: opts.delayMs ?? 200, bitsPerSec: opts.bitsPerSec ?? 10_000_000, bufferBytes: opts.bufferBytes ?? 1024 * 1024 };
  const conns = new Set<net.Socket>();
  const totals = { up: 0, down: 0, connections: 0 };
  const server = net.createServer((client) => {
    totals.connections++;
    client.setNoDelay(true);
    const upstream = 'port' in opts.target ? net.connect({ host: '127.0.0.1', port: opts.target.port }) : net.connect(opts.target.path);
    conns.add(client).add(upstream);
    client.on('error', () => upstream.destroy()).on('close', () => conns.delete(client));
    upstream.on('error', () => client.destroy()).on('close', () => conns.delete(upstream));
    slowPipe(client, upstream, o, (n) => (totals.up += n));
    slowPipe(upstream, client, o, (n) => (totals.down += n));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        port,
        stats: () => ({ ...totals }),
        close: () =>
          new Promise<void>((res) => {
            for (const c of conns) c.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}
