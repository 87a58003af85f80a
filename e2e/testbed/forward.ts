// Forwards 127.0.0.1:<free port> to a unix socket. Debian hosts run with --network none and
// expose their ports as unix sockets in a bind-mounted dir; this makes port 22 look like a
// normal TCP SSH server to ssh2 and the OpenSSH client. It lives in the process that started
// the host (a test worker or the CLI daemon) and dies with it.
import net from 'node:net';

export interface Forwarder {
  port: number;
  close(): Promise<void>;
}

export function forwardToUnixSocket(socketPath: string): Promise<Forwarder> {
  const conns = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(socketPath);
    conns.add(client).add(upstream);
    // An orderly close propagates through pipe() (end after flushing); only errors cut both sides.
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', () => conns.delete(client));
    upstream.on('error', drop).on('close', () => conns.delete(upstream));
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((res) => {
            for (const c of conns) c.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}
