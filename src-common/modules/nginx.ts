import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';
import { domainName, email, hostPath, httpsUrl, port } from './settings-fields.js';

/** Nginx as the fleet's front door: TLS for the other modules' web UIs (ARCHITECTURE.md). */
export const nginxSettings = z
  .object({
    /** The name browsers use; empty = the host's own name. */
    serverName: z.union([z.literal(''), domainName()]).default(''),
    tls: z.enum(['self-signed', 'internal-ca', 'acme'], { message: 'TLS is self-signed, internal-ca or acme.' }).default('self-signed'),
    httpPort: port('HTTP port').default(80),
    httpsPort: port('HTTPS port').default(443),
    acmeDirectory: z.union([z.literal(''), httpsUrl()]).default('https://acme-v02.api.letsencrypt.org/directory'),
    acmeEmail: z.union([z.literal(''), email()]).default(''),
    /** A private ACME server's own CA (pebble, step-ca) on the host, for certbot to trust it. */
    acmeCaBundle: z.union([z.literal(''), hostPath()]).default(''),
  })
  .strict()
  .refine((s) => s.httpPort !== s.httpsPort, { message: 'HTTP and HTTPS need different ports.', path: ['httpsPort'] })
  .refine((s) => s.tls !== 'acme' || s.acmeDirectory !== '', { message: 'ACME needs the directory URL of the ACME server.', path: ['acmeDirectory'] });
export type NginxSettings = z.infer<typeof nginxSettings>;

export const nginxInfo: ModuleInfo = {
  id: 'nginx',
  title: 'Nginx reverse proxy with TLS',
  summary: 'One HTTPS entry point for the web UIs of the other modules, with a self-signed certificate, one from a Fleetdeck-made internal CA (import its certificate into browsers once), or one from an ACME server such as Let’s Encrypt.',
  needs: [],
  notes: ['opens the HTTP and HTTPS ports (80 and 443)', '`nginx -t` checks every config before nginx reloads', 'ACME needs the name to resolve to this host and port 80 reachable from the ACME server'],
  fields: [
    { key: 'serverName', label: 'Server name', kind: 'text', placeholder: 'the host’s name', help: 'The name in browsers’ address bars and in the certificate.' },
    {
      key: 'tls',
      label: 'Certificate',
      kind: 'select',
      options: [
        { value: 'self-signed', label: 'Self-signed (browsers warn)' },
        { value: 'internal-ca', label: 'Fleetdeck internal CA (trust it once per browser)' },
        { value: 'acme', label: 'ACME (Let’s Encrypt or your own ACME server)' },
      ],
    },
    { key: 'httpPort', label: 'HTTP port', kind: 'number' },
    { key: 'httpsPort', label: 'HTTPS port', kind: 'number' },
    { key: 'acmeDirectory', label: 'ACME directory URL', kind: 'text', help: 'Only for ACME.' },
    { key: 'acmeEmail', label: 'ACME account email', kind: 'text', help: 'Only for ACME: expiry notices go here (optional).' },
    { key: 'acmeCaBundle', label: 'ACME server CA file on the host', kind: 'text', help: 'Only for a private ACME server whose HTTPS certificate is not publicly trusted.' },
  ],
  defaults: { serverName: '', tls: 'self-signed', httpPort: 80, httpsPort: 443, acmeDirectory: 'https://acme-v02.api.letsencrypt.org/directory', acmeEmail: '', acmeCaBundle: '' },
};
