import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerParents, containersConf, CONTAINER_SYNC, DOCKER_WRAPPER } from './limits-containers.js';

/**
 * The docker wrapper, run by /bin/sh against a stand-in client that prints the arguments it got
 * (the live path, with real Docker and a real limited user, is limits-local.test.ts).
 */
describe('the docker wrapper of limited users', () => {
  let dir: string;
  const wrapper = () => path.join(dir, 'docker');
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fd-wrapper-'));
    mkdirSync(path.join(dir, 'conf'));
    const real = path.join(dir, 'real-docker');
    writeFileSync(real, '#!/bin/sh\ncase $1 in info) echo "${DRIVER:-cgroupfs}"; exit 0 ;; ps) i=0; while [ $i -lt "${RUNNING:-0}" ]; do echo c$i; i=$((i+1)); done; exit 0 ;; esac\nfor a do printf "%s\\n" "$a"; done\n');
    chmodSync(real, 0o755);
    const text = DOCKER_WRAPPER.replace('for r in /usr/local/lib/fleetdeck/docker-client /usr/bin/docker /bin/docker; do', `for r in ${real}; do`)
      .replaceAll('/etc/fleetdeck/containers.d', path.join(dir, 'conf'))
      .replace('uid=$(id -u)', 'uid=${TEST_UID:-1001}');
    writeFileSync(wrapper(), text);
    chmodSync(wrapper(), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const conf = (spec: Parameters<typeof containersConf>[2], viaSystemd = false) => writeFileSync(path.join(dir, 'conf', '1001.conf'), containersConf('alice', containerParents(1001, viaSystemd), spec));
  const docker = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(wrapper(), args, { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
    return { code: r.status, args: r.stdout.trim().split('\n'), err: r.stderr };
  };

  it("puts a run in the user's cgroup and labels it; the container's own command is passed on untouched", () => {
    conf({ memory: 64 << 20 });
    expect(docker(['run', '--rm', '-it', '-e', 'X=1', '-v', '/a:/b', 'img', 'python', 'train.py', '--gpus', '2', '--cgroup-parent', 'x']).args).toEqual(['run', '--cgroup-parent', '/fleetdeck/user-1001', '--label', 'fleetdeck.owner=alice', '--rm', '-it', '-e', 'X=1', '-v', '/a:/b', 'img', 'python', 'train.py', '--gpus', '2', '--cgroup-parent', 'x']);
    expect(docker(['-H', 'unix:///run/d.sock', 'container', 'create', 'img']).args).toEqual(['-H', 'unix:///run/d.sock', 'container', 'create', '--cgroup-parent', '/fleetdeck/user-1001', '--label', 'fleetdeck.owner=alice', 'img']);
  });

  it("names the parent as Docker's driver wants it (a slice with systemd)", () => {
    conf({ memory: 64 << 20 }, true);
    expect(docker(['run', 'img'], { DRIVER: 'systemd' }).args.slice(0, 3)).toEqual(['run', '--cgroup-parent', 'user-1001.slice']);
    expect(docker(['run', 'img'], { DRIVER: 'cgroupfs' }).args.slice(0, 3)).toEqual(['run', '--cgroup-parent', '/user.slice/user-1001.slice']);
  });

  it('passes everything else, root, and users without a conf straight through', () => {
    conf({ memory: 64 << 20 });
    expect(docker(['images', '-a']).args).toEqual(['images', '-a']);
    expect(docker(['exec', 'c', 'run']).args).toEqual(['exec', 'c', 'run']);
    expect(docker(['run', 'img'], { TEST_UID: '0' }).args).toEqual(['run', 'img']);
    expect(docker(['run', 'img'], { TEST_UID: '1002' }).args).toEqual(['run', 'img']);
  });

  it('refuses the flags that would step around the limits, saying why', () => {
    conf({ memory: 64 << 20, gpus: ['0', '1'] });
    for (const args of [['run', '--cgroup-parent=/', 'img'], ['run', '--label', 'fleetdeck.owner=bob', 'img'], ['run', '-e', 'NVIDIA_VISIBLE_DEVICES=all', 'img'], ['run', '--runtime', 'nvidia', 'img']]) {
      const r = docker(args);
      expect(r.code, args.join(' ')).toBe(125);
      expect(r.err).toMatch(/^fleetdeck: .*leave (it )?out/);
    }
  });

  it("gives a container the user's GPUs whatever --gpus asked, and counts the running containers", () => {
    conf({ gpus: ['0', '1'], containers: 2 });
    expect(docker(['run', '--gpus', 'all', 'img']).args).toEqual(['run', '--cgroup-parent', '/fleetdeck/user-1001', '--label', 'fleetdeck.owner=alice', '--gpus', '"device=0,1"', 'img']);
    expect(docker(['run', '--gpus=2', 'img']).args).toContain('"device=0,1"');
    expect(docker(['run', 'img'], { RUNNING: '1' }).code).toBe(0);
    const full = docker(['run', 'img'], { RUNNING: '2' });
    expect(full.code).toBe(125);
    expect(full.err).toMatch(/you have 2 running containers, your limit is 2: stop one first/);
  });

  it('the sync script parses', () => {
    expect(spawnSync('sh', ['-n', '-c', CONTAINER_SYNC]).status).toBe(0);
  });
});
