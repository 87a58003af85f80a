import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localUserSchema, type LocalUser } from '../../../src-common/inventory/inventory.schema.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import { groupLabel, groupNotes } from '../../../src-common/reports/report-format.js';
import { usageReportSchema, type UsageReport } from '../../../src-common/reports/report.schema.js';
import { valueSample } from '../monitor/test-db.js';
import { parseReportCsv, tableObjects } from './csv-parse.test-util.js';
import { reportHtml } from './report-html.js';
import { EVIL_HOST, EVIL_USER, NOW, reportFixture, T0, type Fixture } from './report-fixture.test-util.js';

/**
 * Users' groups in the usage report. The report names a user's primary group from the host's
 * stored inventory (groups[0]: the group the passwd gid names, as the helper lists it); a user
 * the inventory does not list, on a host without inventory, or whose gid has no name, says which.
 * Once the inventory lists system accounts, theirs appear like anyone's.
 */
const account = (name: string, uid: number, gid: number, groups: string[]): LocalUser =>
  localUserSchema.parse({ name, uid, gid, gecos: '', home: `/home/${name}`, shell: '/bin/sh', groups, isAdmin: false });

describe('usage report: users’ groups', () => {
  let f: Fixture;
  let r: UsageReport;
  const user = (name: string) => r.users.find((u) => u.user === name)!;

  beforeAll(async () => {
    f = await reportFixture();
    // gpu-1's inventory as a helper that lists every account stores it: root and www-data with
    // their own groups; one account whose gid names no group (nothing listed); two with the same
    // gid (unnamed too) whose first supplementary groups differ.
    const facts = f.hosts.facts(f.gpu.id)! as { probe: unknown; inventory: { users: LocalUser[] } };
    facts.inventory.users = [
      ...facts.inventory.users,
      account('root', 0, 0, ['root']),
      account('www-data', 33, 33, ['www-data']),
      account('lonely', 1500, 4242, []),
      account('sam', 1501, 7000, ['ml']),
      account('kim', 1502, 7000, ['bob', 'ml']),
      // A helper that reads the passwd gid's name says so outright, whatever the list's order.
      { ...account('lee', 1503, 50, ['wheel', 'staff']), primaryGroup: 'staff' },
    ];
    f.hosts.saveFacts(f.gpu.id, facts);
    const at = T0 + 10 * 60_000;
    const u = (name: string, uid: number, cpuPercent: number): Sample['users'][number] => ({ user: name, uid, cpuPercent, memoryBytes: 1024 ** 2, gpuMemoryBytes: 0, gpusTouched: [], processes: 1 });
    const items: { hostId: number; sample: Sample }[] = [];
    for (let i = 0; i < 10; i++) {
      items.push({ hostId: f.gpu.id, sample: valueSample(at + i * 1000, { cpu: 10, users: [u('root', 0, 5), u('www-data', 33, 2), u('lonely', 1500, 1), u('sam', 1501, 1), u('kim', 1502, 1), u('lee', 1503, 1)] }) });
      // The quote host has no stored inventory; root there too.
      items.push({ hostId: f.quote.id, sample: valueSample(at + i * 1000, { cpu: 10, users: [u('nobody', 65534, 1), u('root', 0, 3)] }) });
    }
    f.metrics.ingestMany(items);
    r = usageReportSchema.parse(await f.service.build({ kind: 'usage', since: T0 - 3_600_000, until: NOW, timeZone: 'UTC' }));
  });
  afterAll(() => f.close());

  it('system accounts the inventory lists get their primary group: root → root, www-data → www-data', () => {
    // On a host without inventory too: the group a host's inventory names wins.
    expect(user('root')).toMatchObject({ group: 'root', groupMissing: null });
    expect([...user('root').hosts].sort()).toEqual(['gpu-1', f.quote.name].sort());
    expect(user('www-data')).toMatchObject({ group: 'www-data', groupMissing: null });
    expect(r.groups.find((g) => g.group === 'root')?.users).toEqual(['root']);
    expect(r.groups.find((g) => g.group === 'www-data')?.users).toEqual(['www-data']);
    // Per host: root's row on the host without inventory says so; on gpu-1 it has its group.
    expect(r.hostUsers.filter((h) => h.user === 'root').map((h) => [h.host, h.group, h.groupMissing])).toEqual(
      expect.arrayContaining([
        ['gpu-1', 'root', null],
        [f.quote.name, null, 'no-inventory'],
      ]),
    );
  });

  it('uses the primary group the helper read from the passwd gid, where it did', () => {
    expect(user('lee')).toMatchObject({ group: 'staff', groupMissing: null });
  });

  it('says why a user has no group: not in the inventory, no inventory, a gid without a name', () => {
    expect(user(EVIL_USER)).toMatchObject({ group: null, groupMissing: 'not-in-inventory' });
    expect(user('nobody')).toMatchObject({ group: null, groupMissing: 'no-inventory' });
    // Its gid names no group: the helper listed no group at all, and the report invents none.
    expect(user('lonely')).toMatchObject({ group: null, groupMissing: 'no-group-name' });
    // Same gid, different first groups: those are supplementary groups, not the gid's name.
    expect(user('sam')).toMatchObject({ group: null, groupMissing: 'no-group-name' });
    expect(user('kim')).toMatchObject({ group: null, groupMissing: 'no-group-name' });
    // The accounts the fixture's helper listed keep the group their gid names.
    expect(user('alice')).toMatchObject({ group: 'ml', groupMissing: null });
    // Groups: one row per reason, never one "unknown" for all.
    const missing = r.groups.filter((g) => g.group === null).map((g) => [g.groupMissing, [...g.users].sort()]);
    expect(missing).toEqual(
      expect.arrayContaining([
        ['not-in-inventory', expect.arrayContaining([EVIL_USER])],
        ['no-inventory', ['nobody']],
        ['no-group-name', ['kim', 'lonely', 'sam']],
      ]),
    );
    expect(missing).toHaveLength(3);
  });

  it('the preview and the export label them in words, with a legend; the CSV keeps the reason as a code', async () => {
    expect(groupLabel(user(EVIL_USER))).toMatchObject({ text: 'not in inventory', note: true });
    expect(groupLabel(user('nobody'))).toMatchObject({ text: 'no inventory', note: true });
    expect(groupLabel(user('lonely'))).toMatchObject({ text: 'unnamed gid', note: true });
    expect(groupLabel(user('root'))).toEqual({ text: 'root', note: false });
    expect(groupLabel({ group: null })).toMatchObject({ text: 'unknown', note: true }); // a model from before groupMissing
    expect(groupNotes(r.users).map((n) => n.split(':')[0])).toEqual(['not in inventory', 'no inventory', 'unnamed gid']);

    const html = reportHtml(r);
    expect(html).toContain('<span class="group-note">not in inventory</span>');
    expect(html).toContain('<span class="group-note">no inventory</span>');
    expect(html).toMatch(/not in inventory: the host’s stored inventory does not list this account/);
    expect(html).not.toContain('(unknown)');

    const e = await f.service.export({ kind: 'usage', since: T0 - 3_600_000, until: NOW, timeZone: 'UTC', format: 'csv' });
    const csv = parseReportCsv(Buffer.from(e.contentBase64, 'base64').toString('utf8'));
    const rows = tableObjects(csv, 'users');
    expect(rows.find((x) => x.user === 'root')).toMatchObject({ group: 'root', group_missing: '' });
    expect(rows.find((x) => x.user === 'nobody')).toMatchObject({ group: '', group_missing: 'no-inventory' });
    expect(rows.find((x) => x.user === EVIL_USER)).toMatchObject({ group: '', group_missing: 'not-in-inventory', hosts: EVIL_HOST });
    expect(tableObjects(csv, 'groups').find((g) => g.group_missing === 'no-group-name')?.users!.split(';').sort()).toEqual(['kim', 'lonely', 'sam']);
  });
});
