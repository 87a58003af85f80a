import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan, InstalledModule } from '../../../src-common/change/modules.contract.js';
import type { CheckResult, JournalEvent } from '../../../src-common/change/plan.schema.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../busybox-image.js';
import { addHost, connectTrusting } from '../harness.js';

/**
 * The docker module, live on the systemd Debian testbed host with Docker inside (all
 * capabilities but SYS_RESOURCE, /var/lib/docker a volume): Debian's docker.io from the mirror
 * through the testbed proxy, daemon.json with log rotation, the cgroup driver (cgroupfs: the host
 * is on cgroup v1) and live-restore, proven on dockerd itself and on a container it runs; an
 * admin in the docker group; a second plan with nothing to change; a hand edit shown as drift
 * and repaired while the container keeps running; rollback (the container stopped first, then
 * docker.io removed, daemon.json and the group membership undone), after which a plan wants it
 * all again. Docker's own repository is planned (its steps and network line) but not applied:
 * the testbed has no internet. The NVIDIA toolkit is plan-only (unit tests): no GPU here.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('docker module on a live Debian host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  const settings = { source: 'distro', admins: ['carol'], logMaxSize: '20m', logMaxFiles: 4 };
  const plan = (s: Record<string, unknown> = settings): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: [{ id: 'docker', settings: s }] }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;
  const sh = async (script: string) => (await deb.exec(['sh', '-c', script])).stdout.trim();
  const failed = (results: CheckResult[]) => results.filter((c) => !c.ok).map((c) => `${c.id}: ${c.evidence}`);

  beforeAll(async () => {
    [deb] = await Promise.all([startDebianHost({ name: 'docker-mod', apt: true, caps: ['docker'] }), ensureBusyboxImage()]);
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-docker-')), knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    id = (await addHost(fleet, deb, 'admin')).id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it("plans Docker's own repository: the signing key from download.docker.com, the list for bookworm, docker-ce; the host must reach download.docker.com", async () => {
    const p = await plan({ source: 'docker-repo' });
    const key = p.steps.find((s) => s.kind === 'command' && s.resource.kind === 'command' && s.resource.id === 'docker-repo-key')!;
    expect(key.summary).toContain('https://download.docker.com/linux/debian/gpg');
    expect(key.reversible).toBe(true);
    const list = p.steps.find((s) => s.kind === 'file' && s.summary.includes('/etc/apt/sources.list.d/docker.list'))!;
    expect(list.diff).toContain('+deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable');
    const install = p.steps.find((s) => s.resource.kind === 'package' && s.resource.packages.includes('docker-ce'))!;
    expect(install.summary).toMatch(/^Install Docker Engine \(Docker’s packages\) \(docker-ce, docker-ce-cli, containerd\.io, docker-buildx-plugin, docker-compose-plugin/);
    expect(install.warnings).toContain('Downloaded from Docker’s repository (download.docker.com).');
    // The key and the list come before the packages they are for.
    expect(p.steps.indexOf(key)).toBeLessThan(p.steps.indexOf(install));
    expect(p.steps.indexOf(list)).toBeLessThan(p.steps.indexOf(install));
    expect(p.network).toMatch(/download\.docker\.com/);
    // Nothing was applied: the plan only read the host.
    expect(await sh('test -e /etc/apt/sources.list.d/docker.list && echo present || echo absent')).toBe('absent');
  }, 120_000);

  let journalId: string;
  it("applies Debian's docker.io: daemon.json, dockerd with the configured driver, logs and live-restore, carol in the docker group", async () => {
    const p = await plan();
    expect(p.steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['package:install', 'file:create', 'unit:enable', 'command:run', 'command:run']);
    expect(p.steps.every((s) => s.reversible)).toBe(true);
    expect(p.steps[0]!.summary).toMatch(/^Install Docker Engine \(docker\.io/);
    expect(p.steps[1]!.diff).toContain('+    "native.cgroupdriver=cgroupfs"');
    expect(p.network).toMatch(/package mirror/);
    expect(p.network).not.toMatch(/download\.docker\.com/);
    expect(p.warnings.join('\n')).toMatch(/members of the docker group can become root on this host: carol/i);

    const events: JournalEvent[] = [];
    const off = fleet.events.on((name, e) => name === 'change.onProgress' && events.push((e as { event: JournalEvent }).event));
    const r = await apply(p);
    off();
    expect(r.status, r.message ?? '').toBe('done');
    expect(failed(r.verify)).toEqual([]);
    expect(r.verify.map((c) => c.id)).toEqual(['docker-running', 'docker-socket', 'docker-info', 'docker-daemon-json', 'docker-group-carol']);
    expect(r.verify.find((c) => c.id === 'docker-info')!.evidence).toContain('cgroupfs json-file true');
    journalId = r.journalId!;
    // Progress streamed step by step, apt's own output among it, and every step audited.
    expect(events.filter((e) => e.type === 'step-start').map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
    expect(events.filter((e) => e.type === 'step-done').map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
    expect(events.some((e) => e.type === 'output' && e.step === 1 && /docker\.io/.test(e.line ?? ''))).toBe(true);
    expect(events.at(-1)!.type).toBe('end');
    expect(fleet.audit.query({ limit: 200 }).events.filter((e) => e.operation === 'change.step').length).toBeGreaterThanOrEqual(5);

    // dockerd itself, asked in the host: the configured driver, logging driver and live-restore.
    expect(await sh("docker info --format '{{.CgroupDriver}} {{.LoggingDriver}} {{.LiveRestoreEnabled}}'")).toBe('cgroupfs json-file true');
    // The docker group is root by another name: carol reaches dockerd as herself, without sudo.
    const asCarol = await deb.exec(['docker', 'info', '--format', '{{.ServerVersion}}'], { user: 'carol' });
    expect(asCarol.code, asCarol.stderr).toBe(0);

    const daemon = JSON.parse(await sh('cat /etc/docker/daemon.json'));
    expect(daemon).toEqual({ 'exec-opts': ['native.cgroupdriver=cgroupfs'], 'live-restore': true, 'log-driver': 'json-file', 'log-opts': { 'max-file': '4', 'max-size': '20m' } });
    expect((await sh('id -nG carol')).split(' ')).toContain('docker');
    // dockerd applies the log options to what it runs: a container (image loaded from this machine).
    execFileSync('sh', ['-c', 'docker save "$1" | docker exec -i "$2" docker load -q', 'sh', BUSYBOX_IMAGE, deb.containerId], { stdio: ['ignore', 'ignore', 'inherit'] });
    // A shell as the container's PID 1 that ends on SIGTERM (a bare PID 1 ignores it: docker stop would wait 10 s).
    await sh(`docker run -d --name fd-live --network none ${BUSYBOX_IMAGE} sh -c 'trap "exit 0" TERM; sleep 3600 & wait'`);
    expect(JSON.parse(await sh("docker inspect -f '{{json .HostConfig.LogConfig}}' fd-live"))).toEqual({ Type: 'json-file', Config: { 'max-file': '4', 'max-size': '20m' } });
  }, 300_000);

  it('plans nothing the second time; verify passes; docker is installed and verified', async () => {
    const p = await plan();
    expect(p.steps).toEqual([]);
    expect(p.summary).toMatch(/Nothing to change/);
    expect(p.network).toBeNull();
    const verify = (await fleet.call('change.verify', { id })) as { module: string; results: CheckResult[] }[];
    expect(verify.map((v) => v.module)).toEqual(['docker']);
    expect(failed(verify[0]!.results)).toEqual([]);
    const installed = (await fleet.call('change.installed', { id })) as InstalledModule[];
    expect(installed).toEqual([expect.objectContaining({ module: 'docker', settings: expect.objectContaining({ admins: ['carol'] }), lastVerify: expect.objectContaining({ ok: true }) })]);
  }, 120_000);

  it('shows a hand edit of daemon.json as drift, and repairs it with a restart that running containers survive (live-restore)', async () => {
    await sh("sed -i 's/\"max-size\": \"20m\"/\"max-size\": \"1g\"/' /etc/docker/daemon.json");
    const before = await sh("docker inspect -f '{{.State.Pid}}' fd-live");
    const drift = (await fleet.call('change.drift', { id })) as ChangePlan;
    expect(drift.steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['file:update', 'unit:restart']);
    expect(drift.steps[0]!.diff).toContain('-    "max-size": "1g"');
    expect(drift.steps[0]!.diff).toContain('+    "max-size": "20m"');
    expect(drift.steps[1]!.summary).toMatch(/^Restart docker \(\/etc\/docker\/daemon\.json changed\)/);
    const r = await apply(drift);
    expect(r.status, r.message ?? '').toBe('done');
    expect(failed(r.verify)).toEqual([]);
    expect(await sh("grep -c '\"max-size\": \"20m\"' /etc/docker/daemon.json")).toBe('1');
    // The same container process, still running, after dockerd restarted.
    expect(await sh("docker inspect -f '{{.State.Running}} {{.State.Pid}}' fd-live")).toBe(`true ${before}`);
  }, 180_000);

  it("with carol's limits (systemd host, Docker's cgroupfs driver): her container started without flags runs in her slice and is killed past her memory; verify reads it back; the limits' rollback gives the docker client back", async () => {
    const limits = { users: [{ user: 'carol', memory: '64M', containers: 2 }] };
    const p = (await fleet.call('change.plan', { id, modules: [{ id: 'limits', settings: limits }] })) as ChangePlan;
    expect(p.steps.some((st) => st.summary.includes('/usr/local/bin/docker'))).toBe(true);
    expect(p.warnings.join('\n')).toMatch(/Docker uses the cgroupfs cgroup driver here: a container counts against its user's slice while the slice is active/);
    const r = await apply(p);
    expect(r.status, r.message ?? '').toBe('done');
    // carol has a session (an SSH login keeps her slice, and so its limits, active), and runs docker as she would.
    const carol = deb.users.carol!;
    const session = spawn('ssh', ['-i', carol.keyPath!, '-p', String(deb.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', `carol@${deb.address}`, 'sleep 120'], { stdio: 'ignore' });
    try {
      await expect.poll(() => sh('systemctl is-active user-1001.slice'), { timeout: 20_000 }).toBe('active');
      const asCarol = (cmd: string) => sh(`runuser -u carol -- sh -c 'PATH=/usr/local/bin:/usr/bin:/bin; ${cmd}; echo rc=$?' 2>&1`);
      expect(await asCarol(`docker run --rm --network none ${BUSYBOX_IMAGE} /bin/busybox dd if=/dev/zero of=/dev/null bs=300M count=1`)).toMatch(/rc=137$/);
      expect(await asCarol(`docker run --rm --network none ${BUSYBOX_IMAGE} /bin/busybox dd if=/dev/zero of=/dev/null bs=16M count=1`)).toMatch(/rc=0$/);
      const c = (await asCarol(`docker run -d --network none ${BUSYBOX_IMAGE} sleep 60`)).split('\n')[0]!;
      expect(await sh(`docker inspect -f '{{.HostConfig.CgroupParent}}' ${c}`)).toBe('/user.slice/user-1001.slice');
      const v = ((await fleet.call('change.verify', { id, modules: ['limits'] })) as { results: CheckResult[] }[])[0]!.results;
      expect(v.find((x) => x.id === 'containers-carol'), JSON.stringify(v)).toMatchObject({ ok: true, evidence: expect.stringMatching(/1 running container of carol, 1 in carol's cgroup/) });
      await sh(`docker rm -f ${c}`);
    } finally {
      session.kill('SIGKILL');
    }
    const back = (await fleet.call('change.rollback', { id, journalId: r.journalId })) as { status: string; message: string | null };
    expect(back.status, back.message ?? '').toBe('rolled-back');
    expect(await sh('test -e /usr/local/bin/docker && echo wrapper || echo gone; command -v docker')).toBe('gone\n/usr/bin/docker');
  }, 180_000);

  it('rolls back: the running container stopped, docker.io removed, daemon.json gone, carol out of the docker group; and a new plan would install it all again', async () => {
    const rb = (await fleet.call('change.rollback', { id, journalId })) as { status: string; message: string | null };
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    // apt-get remove leaves docker.io's conffiles ("rc"): not installed is anything but "ii".
    const state = await sh("dpkg-query -W -f '${db:Status-Abbrev}\\n' docker.io; test -e /etc/docker/daemon.json && echo present || echo absent; id -nG carol; command -v dockerd || echo 'no dockerd'; systemctl is-active docker || true");
    expect(state.split('\n').map((l) => l.trim())).toEqual(['rc', 'absent', 'carol', 'no dockerd', 'inactive']);
    // Debian's package leaves the socket node behind on remove; nothing answers on it any more.
    expect(await sh("systemctl is-active docker.socket || true; curl -s --max-time 5 --unix-socket /var/run/docker.sock http://docker/_ping || echo ' unreachable'")).toMatch(/^inactive\n.*unreachable$/);
    // live-restore keeps containers running without dockerd: the rollback stopped them before removing it.
    expect(await sh('ps -eo args | grep -cx "sleep 3600" || true')).toBe('0');
    // The dependencies docker.io pulled in (containerd, runc, …) went with it: nothing is left running.
    expect(await sh("for p in containerd runc; do dpkg-query -W -f '${db:Status-Abbrev}\\n' $p 2>/dev/null || echo none; done; pgrep -c containerd || true")).toMatch(/^(rc|none|un)\s*\n(rc|none|un)\s*\n0$/);
    expect(await fleet.call('change.installed', { id })).toEqual([]);

    const again = await plan();
    // apt-get remove (not purge) keeps docker's enablement links: the unit is started, not enabled again.
    expect(again.steps.map((s) => `${s.kind}:${s.action}`).join(' ')).toMatch(/^package:install file:create unit:(enable|start) command:run command:run$/);
  }, 180_000);
});
