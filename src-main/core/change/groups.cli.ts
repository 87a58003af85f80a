import { usersSettings, type GroupEntry } from '../../../src-common/modules/users.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { defineCommand, type CliCommand, type CommandContext, type FlagGroup } from '../cli/command.js';
import { CONNECT_FLAGS } from '../cli/target.js';
import { showThenApply, withOpened } from './change.cli-shared.js';

/**
 * `fleetdeck groups list|create|delete HOST|--local [NAME]`: local groups on the users module
 * (groupadd with the gid given; groupdel with the group's line kept, so a rollback makes it again
 * with its gid and members). Accounts join groups with `users modify --groups`.
 */
const CHANGE: FlagGroup = { title: 'Group', flags: { gid: { value: 'N', help: 'this gid (create; give the same on every host)' }, yes: { alias: 'y', help: 'do not ask before changing the host' }, quiet: { alias: 'q', help: 'print only the result' } } };

function entry(name: string | undefined, state: 'present' | 'absent', gid: unknown): GroupEntry {
  if (!name) throw new FleetdeckError('invalid-input', `Name the group: fleetdeck groups ${state === 'present' ? 'create' : 'delete'} HOST NAME.`);
  const raw: Record<string, unknown> = { name, state };
  if (typeof gid === 'string') raw.gid = gid;
  const parsed = usersSettings.safeParse({ users: [], groups: [raw] });
  if (!parsed.success) throw new FleetdeckError('invalid-input', parsed.error.issues.map((i) => `${i.path[2] === 'gid' ? '--gid: ' : ''}${i.message}`).join('; '));
  return parsed.data.groups![0]!;
}

async function listGroups(ctx: CommandContext, text: string | null, host: string): Promise<number> {
  if (text === null) throw new FleetdeckError('not-found', `Cannot read /etc/group on ${host}.`);
  const rows = text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4 && Number(f[2]) >= 1000 && Number(f[2]) < 65534)
    .map(([name, , gid, members]) => ({ name: name!, gid: Number(gid), members: members!.split(',').filter(Boolean) }));
  if (ctx.flags.json) ctx.io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (!rows.length) ctx.io.stdout.write(`${host} has no groups for people (gid 1000 and up) in /etc/group yet: fleetdeck groups create ${host} NAME.\n`);
  else for (const r of rows) ctx.io.stdout.write(`${r.name.padEnd(20)} ${String(r.gid).padEnd(7)} ${r.members.join(',') || '-'}\n`);
  return 0;
}

const change = (verb: 'create' | 'delete'): CliCommand =>
  defineCommand({
    path: ['groups', verb],
    args: 'HOST|--local NAME',
    summary: verb === 'create' ? 'create a local group (--gid N for the same gid on every host): plan, ask, apply, verify' : 'remove a local group (its members stay; a rollback makes it again with its gid and members)',
    flags: [CHANGE, CONNECT_FLAGS],
    maxArgs: 2,
    run: (ctx) =>
      withOpened(
        ctx,
        async (o, rest) => showThenApply(ctx, o, await o.change.plan(o.target, [{ id: 'users', settings: { users: [], groups: [entry(rest[0], verb === 'create' ? 'present' : 'absent', ctx.flags.gid)] } }]), true),
        (rest) => void entry(rest[0], verb === 'create' ? 'present' : 'absent', ctx.flags.gid),
      ),
  });

export const groupsCommands: CliCommand[] = [
  defineCommand({
    path: ['groups', 'list'],
    args: 'HOST|--local',
    summary: 'the groups for people (gid 1000 and up) with their members, from /etc/group',
    flags: [CONNECT_FLAGS],
    maxArgs: 1,
    run: (ctx) =>
      withOpened(ctx, async (o) => {
        const [seen] = await o.change.observe(o.target, [{ kind: 'file', path: '/etc/group', content: null }]);
        return listGroups(ctx, seen?.kind === 'file' && seen.exists ? seen.text : null, o.target.hostName);
      }),
  }),
  change('create'),
  change('delete'),
];
