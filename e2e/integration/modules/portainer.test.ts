import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import { PORTAINER_IMAGE } from '../../../src-common/modules/portainer.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../busybox-image.js';
import { addHost, connectTrusting } from '../harness.js';

/**
 * The portainer module, live on the systemd Debian testbed host with Docker (the docker module)
 * and nginx. Portainer's image cannot be pulled here (no registry), so a stand-in made from
 * busybox carries its name: it refuses to start without the admin password file Portainer would
 * read, records its start on the /data volume and answers /api/system/status on port 9000. That
 * proves the wiring — the port on localhost only, the volume, the read-only password file, the
 * proxy at /portainer/ — not Portainer itself.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

const STAND_IN = `#!/bin/sh
pw=""
while [ $# -gt 0 ]; do case "$1" in --admin-password-file) pw=$2; shift ;; esac; shift; done
[ -s "$pw" ] || { echo "no admin password file" >&2; exit 1; }
/bin/busybox mkdir -p /www/api/system
echo '{"Version":"stand-in"}' > /www/api/system/status
echo started >> /data/stand-in.log
exec /bin/busybox httpd -f -p 9000 -h /www
`;

describe.skipIf(unavailable)('portainer module on a live Debian host (stand-in image)', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  let journalId: string;
  let secondJournal: string;
  const plan = (modules: { id: string; settings?: Record<string, unknown> }[]): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: modules.map((m) => ({ settings: {}, ...m })) }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;
  const sh = async (script: string) => {
    const r = await deb.exec(['sh', '-c', script]);
    return `${r.stdout}${r.stderr}`.trim();
  };

  beforeAll(async () => {
    [deb] = await Promise.all([startDebianHost({ name: 'portainer-mod', apt: true, caps: ['docker'] }), ensureBusyboxImage()]);
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-portainer-')), knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    id = (await addHost(fleet, deb, 'admin')).id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
    const base = await apply(await plan([{ id: 'docker' }, { id: 'nginx', settings: { serverName: 'lab.test' } }]));
    expect(base.status, base.message ?? '').toBe('done');
    // The stand-in, built inside the host's Docker under Portainer's name.
    execFileSync('sh', ['-c', 'docker save "$1" | docker exec -i "$2" docker load -q', 'sh', BUSYBOX_IMAGE, deb.containerId], { stdio: ['ignore', 'ignore', 'inherit'] });
    const built = await deb.exec(['sh', '-c', 'set -e; cat > /tmp/stand-in.sh; c=$(docker create "$1" /bin/sh); docker cp /tmp/stand-in.sh "$c:/stand-in.sh"; docker commit --change \'ENTRYPOINT ["/bin/sh", "/stand-in.sh"]\' "$c" "$2" >/dev/null; docker rm "$c" >/dev/null', 'sh', BUSYBOX_IMAGE, PORTAINER_IMAGE], { input: STAND_IN });
    expect(built.code, built.stderr).toBe(0);
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it('plans with what it cannot reach said; applies; the container on 127.0.0.1:9000 with the volume and the read-only password file; nginx proxies /portainer/', async () => {
    const p = await plan([{ id: 'portainer' }]);
    expect(p.warnings.join('\n')).toMatch(/Docker Hub cannot be reached from this host .*must already be there/);
    const r = await apply(p);
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok)).toEqual([]);
    journalId = r.journalId!;
    expect(await sh('docker port portainer')).toBe('9000/tcp -> 127.0.0.1:9000');
    expect(await sh("docker inspect -f '{{range .Mounts}}{{.Destination}}={{.Name}}{{.Source}}:{{.RW}} {{end}}' portainer")).toMatch(/\/data=portainer_data.*:true.*\/run\/portainer\/admin-password=\/etc\/fleetdeck\/portainer\/admin-password:false|\/run\/portainer\/admin-password=\/etc\/fleetdeck\/portainer\/admin-password:false.*\/data=portainer_data.*:true/);
    expect(await sh('stat -c "%a %U %s" /etc/fleetdeck/portainer/admin-password')).toMatch(/^600 root 24$/);
    expect(await sh("docker inspect -f '{{join .Args \" \"}}' portainer")).not.toMatch(/--admin-password[ =][^-/]/);
    expect(await sh('docker run --rm -v portainer_data:/d ' + BUSYBOX_IMAGE + ' /bin/busybox cat /d/stand-in.log')).toBe('started');
    expect(await sh('printf "GET /portainer/api/system/status HTTP/1.0\\r\\nHost: lab.test\\r\\n\\r\\n" | openssl s_client -quiet -connect 127.0.0.1:443 -servername lab.test 2>/dev/null')).toMatch(/stand-in/);
  }, 300_000);

  it('plans nothing the second time; a changed image replaces the container, the volume stays', async () => {
    expect((await plan([{ id: 'portainer' }])).steps).toEqual([]);
    await sh(`docker tag ${PORTAINER_IMAGE} portainer/portainer-ce:2.21.5`);
    const r = await apply(await plan([{ id: 'portainer', settings: { image: 'portainer/portainer-ce:2.21.5' } }]));
    expect(r.status, r.message ?? '').toBe('done');
    secondJournal = r.journalId!;
    expect(await sh("docker inspect -f '{{.Config.Image}}' portainer")).toBe('portainer/portainer-ce:2.21.5');
    expect(await sh('docker run --rm -v portainer_data:/d ' + BUSYBOX_IMAGE + ' /bin/busybox cat /d/stand-in.log')).toBe('started\nstarted');
  }, 300_000);

  it('rolls back both changes, newest first: the container gone, the volume and the password kept', async () => {
    for (const j of [secondJournal, journalId]) {
      const rb = (await fleet.call('change.rollback', { id, journalId: j })) as { status: string; message: string | null };
      expect(rb.status, rb.message ?? '').toBe('rolled-back');
    }
    expect(await sh('docker ps -a --format "{{.Names}}" | grep -x portainer || echo gone')).toBe('gone');
    expect(await sh('docker volume inspect -f "{{.Name}}" portainer_data')).toBe('portainer_data');
    expect(await sh('test -s /etc/fleetdeck/portainer/admin-password && echo kept')).toBe('kept');
  }, 300_000);
});
