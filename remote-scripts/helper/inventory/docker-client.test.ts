import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { dockerAdvice, dockerGetJson, dockerSocketCandidates, findDockerSocket } from './docker-client.js';
import { fakeContext } from './fake-context.test-util.js';
import { readFixture } from './fixtures.test-util.js';

describe('dockerGetJson over a real unix socket (createContext.httpGetUnix)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetdeck-sock-'));
  const socket = path.join(dir, 'docker.sock');
  const server = http.createServer((req, res) => {
    if (req.url === '/containers/json?all=1') res.end(readFixture('docker/containers-list/compose-node-exporter-etc.json'));
    else if (req.url === '/slow') setTimeout(() => res.end('{}'), 1000);
    else if (req.url === '/text') res.end('not json');
    else {
      res.statusCode = 404;
      res.end('{"message":"page not found"}');
    }
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(socket, resolve)));
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ctx = createContext('/');

  it('returns parsed JSON', async () => {
    const res = await dockerGetJson(ctx, socket, '/containers/json?all=1');
    expect(res.ok && Array.isArray(res.value) && res.value.length).toBe(6);
  });

  it('classifies failures', async () => {
    expect(await dockerGetJson(ctx, socket, '/slow', 100)).toMatchObject({ ok: false, failure: 'timeout' });
    expect(await dockerGetJson(ctx, socket, '/text')).toMatchObject({ ok: false, failure: 'error', message: expect.stringMatching(/did not return JSON/) });
    expect(await dockerGetJson(ctx, socket, '/nope')).toMatchObject({ ok: false, failure: 'error', message: expect.stringMatching(/HTTP 404/) });
    expect(await dockerGetJson(ctx, path.join(dir, 'absent.sock'), '/info')).toMatchObject({ ok: false, failure: 'missing' });
    // A file that is not a listening socket refuses the connection, like a socket left behind by a stopped daemon.
    const stale = path.join(dir, 'stale.sock');
    writeFileSync(stale, '');
    expect(await dockerGetJson(ctx, stale, '/info')).toMatchObject({ ok: false, failure: 'not-running' });
  });

  it('maps EACCES to "denied" (root bypasses socket permissions, so this uses a fake context)', async () => {
    const denied = fakeContext({ http: () => ({ ok: false, code: 'EACCES', message: 'permission denied' }) });
    expect(await dockerGetJson(denied, '/var/run/docker.sock', '/info')).toEqual({ ok: false, failure: 'denied', message: 'permission denied on /var/run/docker.sock' });
  });
});

describe('finding the socket', () => {
  it('honours DOCKER_HOST=unix:// and rootless sockets', () => {
    expect(dockerSocketCandidates({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, 1000)).toEqual(['/run/user/1000/docker.sock', '/var/run/docker.sock', '/run/docker.sock']);
    expect(dockerSocketCandidates({ DOCKER_HOST: 'tcp://10.0.0.1:2376' }, 0)).toEqual(['/var/run/docker.sock', '/run/docker.sock']);
  });

  it('picks the first that exists', async () => {
    expect(await findDockerSocket(fakeContext({ files: { '/run/docker.sock': '' } }))).toBe('/run/docker.sock');
    expect(await findDockerSocket(fakeContext({}))).toBeNull();
  });

  it('phrases advice with the user name', () => {
    expect(dockerAdvice('denied', '/var/run/docker.sock', 'bob')).toBe('Docker is installed but /var/run/docker.sock is not accessible to user bob: add bob to the docker group (sudo usermod -aG docker bob, then reconnect) or connect with sudo');
  });
});
