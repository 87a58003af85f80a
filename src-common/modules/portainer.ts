import { z } from 'zod';
import { setOncePassword } from './settings-fields.js';
import type { ModuleInfo } from '../change/modules.contract.js';

/**
 * Portainer CE, the container UI: one container on the host's Docker, its data on a named volume,
 * its admin password set at install from a root-only file (given here, or generated on the host),
 * on localhost only; with the nginx module it is published at /portainer/.
 */
/** The admin password's root-only file on the host (mounted read-only into the container). */
export const PORTAINER_PASSWORD_FILE = '/etc/fleetdeck/portainer/admin-password';

export const PORTAINER_IMAGE = 'portainer/portainer-ce:2.21.4';

/** A Docker image reference: [registry[:port]/]name[:tag] (no digests, no spaces, no options). */
const imageRef = () =>
  z
    .string()
    .trim()
    .max(255, 'An image name has at most 255 characters.')
    .regex(/^[a-z0-9][a-z0-9._-]*(:[0-9]{1,5})?(\/[a-z0-9][a-z0-9._-]*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'An image is [registry/]name:tag, e.g. portainer/portainer-ce:2.21.4 (with its tag).');

export const portainerSettings = z
  .object({
    image: imageRef().default(PORTAINER_IMAGE),
    /** Empty: generated on the host (root-only file); Fleetdeck never logs it. */
    adminPassword: setOncePassword('Portainer’s admin password', 12),
  })
  .strict();
export type PortainerSettings = z.infer<typeof portainerSettings>;

export const portainerInfo: ModuleInfo = {
  id: 'portainer',
  title: 'Portainer CE (container UI)',
  summary: 'A web UI for the host’s Docker: containers, images, volumes, logs. Its data lives on the named volume portainer_data; the admin password is set at install. It listens on localhost: with the nginx module it is at /portainer/ on the HTTPS site.',
  needs: ['docker'],
  notes: ['the image comes from Docker Hub (or the registry you name): where the host cannot reach it, load the image first', 'Portainer controls Docker, which is root on this host: its admin password is as good as root’s'],
  fields: [
    { key: 'image', label: 'Image', kind: 'text', help: 'With its tag; a mirror registry works too.' },
    { key: 'adminPassword', label: 'Admin password', kind: 'secret', placeholder: 'generated on the host', help: 'Empty: generated on the host. Services tab → Show password (the desktop app keeps a copy in the OS keychain). Set once at install.' },
  ],
  defaults: { image: PORTAINER_IMAGE, adminPassword: '' },
  secrets: [{ key: 'adminPassword', label: 'Portainer admin password', user: 'admin', path: PORTAINER_PASSWORD_FILE }],
};
