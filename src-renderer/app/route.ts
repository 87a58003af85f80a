/** Hash routes: `#/` (fleet), `#/users`, `#/alerts`, `#/terminals`, `#/audit`, `#/reports`, `#/setup` (`#/setup/ID`: that host picked) and `#/hosts/ID/TAB`. Parsing is pure so it can be unit tested. */

export const HOST_TABS = ['overview', 'monitor', 'gpus', 'users', 'containers', 'disks', 'services'] as const;
export type HostTab = (typeof HOST_TABS)[number];

export type Route = { page: 'fleet' } | { page: 'users' } | { page: 'alerts' } | { page: 'terminals' } | { page: 'audit' } | { page: 'reports' } | { page: 'setup'; host?: number } | { page: 'host'; id: number; tab: HostTab } | { page: 'not-found'; path: string };

export function isHostTab(value: string): value is HostTab {
  return (HOST_TABS as readonly string[]).includes(value);
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\?.*$/, '');
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { page: 'fleet' };
  if (parts.length === 1 && (parts[0] === 'users' || parts[0] === 'alerts' || parts[0] === 'terminals' || parts[0] === 'audit' || parts[0] === 'reports')) return { page: parts[0] };
  if (parts[0] === 'setup' && parts.length <= 2) {
    const idText = parts[1];
    if (idText === undefined) return { page: 'setup' };
    if (/^[1-9]\d{0,15}$/.test(idText) && Number.isSafeInteger(Number(idText))) return { page: 'setup', host: Number(idText) };
  }
  if (parts[0] === 'hosts' && parts.length >= 2 && parts.length <= 3) {
    const idText = parts[1] ?? '';
    const id = Number(idText);
    const tab = parts[2] ?? 'overview';
    if (/^[1-9]\d{0,15}$/.test(idText) && Number.isSafeInteger(id) && isHostTab(tab)) return { page: 'host', id, tab };
  }
  return { page: 'not-found', path: `/${parts.join('/')}` };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case 'fleet':
      return '#/';
    case 'users':
    case 'alerts':
    case 'terminals':
    case 'audit':
    case 'reports':
      return `#/${route.page}`;
    case 'setup':
      return route.host === undefined ? '#/setup' : `#/setup/${route.host}`;
    case 'host':
      return `#/hosts/${route.id}/${route.tab}`;
    case 'not-found':
      return `#${route.path}`;
  }
}

export function hostHref(id: number, tab: HostTab = 'overview'): string {
  return routeHref({ page: 'host', id, tab });
}
