import path from 'node:path';
import { FleetdeckError } from '../../../src-common/problems.js';
import { projectRoot } from '../agent/assets.js';
import { flagValue } from '../cli/args.js';
import { defineCommand, type CliCommand } from '../cli/command.js';
import { dataDir } from '../cli/target.js';
import { Fleet } from '../fleet.js';
import { serveStdio } from './stdio-server.js';
import { checkExposure, loadTls, startWebServer } from './web-server.js';

function portOf(value: string | true | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (value === true || !/^\d{1,5}$/.test(value) || n > 65535) throw new FleetdeckError('invalid-input', `--port takes a port number from 1 to 65535 (or 0 for a free one), e.g. --port 8080 (got "${String(value).slice(0, 40)}").`);
  return n;
}

export const serveCommands: CliCommand[] = [
  defineCommand({
    path: ['serve'],
    summary: "the app's UI in your browser (prints an address that carries your access token)",
    details: 'From another machine, prefer an SSH tunnel to the default address:\n  fleetdeck serve --port 8080                        (here)\n  ssh -N -L 8080:127.0.0.1:8080 USER@THIS-HOST     (on your laptop), then open the printed URL.\nAn address other than loopback needs HTTPS (--tls-cert/--tls-key) or --insecure-no-tls.',
    maxArgs: 0,
    flags: [
      {
        title: 'Serve options',
        flags: {
          port: { alias: 'p', value: 'N', help: 'port to listen on (default: a free one)' },
          host: { value: 'ADDR', help: 'address to listen on (default 127.0.0.1)' },
          'tls-cert': { value: 'FILE', help: 'serve HTTPS (and wss) with this PEM certificate …' },
          'tls-key': { value: 'FILE', help: '… and its unencrypted PEM private key' },
          'insecure-no-tls': { help: 'serve plain HTTP off loopback: the access token then crosses the network unencrypted' },
          stdio: { help: 'speak the app API on stdin/stdout instead (the desktop shell uses this)' },
        },
      },
    ],
    run: async ({ flags, io }) => {
      if (flags.stdio) {
        const fleet = new Fleet({ dataDir: dataDir(flags) });
        await serveStdio(fleet);
        fleet.close();
        process.exit(0);
      }
      const certFile = flagValue(flags, 'tls-cert', '--tls-cert /etc/fleetdeck/cert.pem');
      const keyFile = flagValue(flags, 'tls-key', '--tls-key /etc/fleetdeck/key.pem');
      if (!certFile !== !keyFile) throw new FleetdeckError('invalid-input', 'HTTPS needs both --tls-cert FILE and --tls-key FILE.');
      const host = flagValue(flags, 'host', '--host 127.0.0.1') ?? '127.0.0.1';
      const port = portOf(flags.port as string | true | undefined);
      const insecureNoTls = !!flags['insecure-no-tls'];
      // Address and files are checked before the database is opened: a refusal leaves nothing behind.
      checkExposure(host, { tls: !!certFile, insecureNoTls });
      const tls = certFile && keyFile ? loadTls(path.resolve(certFile), path.resolve(keyFile)) : undefined;
      const fleet = new Fleet({ dataDir: dataDir(flags), log: (h, l) => flags.verbose && io.stderr.write(`[${h}] ${l}\n`) });
      let server;
      try {
        server = await startWebServer({ fleet, webRoot: path.join(projectRoot(), 'out/web'), host, port, tls, insecureNoTls });
      } catch (err) {
        fleet.close();
        throw err;
      }
      for (const line of server.warnings) io.stderr.write(`${line}\n`);
      io.stdout.write(`Fleetdeck is serving on ${server.url}\nOpen that address (it carries your access token). Ctrl+C stops.\n`);
      const stop = async () => {
        await server.close();
        fleet.close();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      return -1; // keeps running
    },
  }),
];
