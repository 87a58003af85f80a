import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';
import { accountName, listOf } from './settings-fields.js';

/**
 * JupyterHub for a lab: Debian's package (a venv from PyPI where there is none), PAM logins against the host's own accounts (optionally
 * only a group's members), each user's notebook server started as a systemd service in that
 * user's own slice (user-UID.slice), so the user's limits (the limits module) hold for it and
 * verify can read them back; GPUs from the user's allocation; idle servers shut down.
 */
export const MAX_JUPYTER_ADMINS = 32;

const names = listOf(accountName(), { what: 'admins', example: '["alice"]', max: MAX_JUPYTER_ADMINS });

export const jupyterhubSettings = z
  .object({
    /** Only this group's members may log in (empty: every login account of the host). */
    group: z.union([z.literal(''), accountName()]).default(''),
    /** JupyterHub admins (they can see and stop the others' servers). */
    admins: names.default([]),
    /** A server with no activity for this long is shut down (its kernels culled first). */
    idleMinutes: z.coerce
      .number({ message: 'The idle time is minutes, 5 to 10080 (a week).' })
      .int('The idle time is whole minutes, 5 to 10080.')
      .min(5, 'The idle time is minutes, 5 to 10080 (a week).')
      .max(10080, 'The idle time is minutes, 5 to 10080 (a week).')
      .default(60),
    /** auto: the distribution's package where it has one (Debian 13, Ubuntu 24.04), else a venv from PyPI. */
    install: z.enum(['auto', 'package', 'venv'], { message: 'install is auto, package or venv.' }).default('auto'),
  })
  .strict();
export type JupyterhubSettings = z.infer<typeof jupyterhubSettings>;

export const jupyterhubInfo: ModuleInfo = {
  id: 'jupyterhub',
  title: 'JupyterHub for the host’s users',
  summary:
    'Notebooks in the browser for the host’s own accounts (PAM logins), each user’s server running inside that user’s limits (their systemd slice) with only their GPUs; idle servers are shut down. It listens on localhost: with the nginx module it is at /jupyter/ on the HTTPS site.',
  needs: [],
  notes: ['Debian’s jupyterhub package from the mirror (it pulls Node.js for its proxy: about 60 s to install); where the distribution has none, a venv in /opt/jupyterhub from PyPI and the npm registry (pinned versions)', 'logins are the host’s own passwords: publish it through nginx (TLS), never plain HTTP', 'set memory and CPU per user with Users → Limits: the notebook server runs inside them'],
  fields: [
    { key: 'group', label: 'Only members of group', kind: 'text', placeholder: 'every login account', help: 'e.g. students' },
    { key: 'admins', label: 'JupyterHub admins', kind: 'list', placeholder: 'alice' },
    { key: 'idleMinutes', label: 'Shut down idle servers after (minutes)', kind: 'number' },
    {
      key: 'install',
      label: 'Install from',
      kind: 'select',
      options: [
        { value: 'auto', label: 'The distribution’s package where it has one, else a venv' },
        { value: 'package', label: 'The distribution’s package (Debian, Ubuntu)' },
        { value: 'venv', label: 'A venv in /opt/jupyterhub (PyPI and the npm registry)' },
      ],
    },
  ],
  defaults: { group: '', admins: [], idleMinutes: 60, install: 'auto' },
};
