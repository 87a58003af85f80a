import { describe, expect, it } from 'vitest';
import { hostHref, parseRoute, routeHref } from './route.js';

describe('parseRoute', () => {
  it('maps empty and root hashes to the fleet page', () => {
    expect(parseRoute('')).toEqual({ page: 'fleet' });
    expect(parseRoute('#/')).toEqual({ page: 'fleet' });
    expect(parseRoute('#')).toEqual({ page: 'fleet' });
  });

  it('reads host pages with a default tab', () => {
    expect(parseRoute('#/hosts/12')).toEqual({ page: 'host', id: 12, tab: 'overview' });
    expect(parseRoute('#/hosts/12/gpus')).toEqual({ page: 'host', id: 12, tab: 'gpus' });
    expect(parseRoute('#/hosts/3/disks/')).toEqual({ page: 'host', id: 3, tab: 'disks' });
  });

  it('refuses bad ids and unknown tabs', () => {
    expect(parseRoute('#/hosts/0').page).toBe('not-found');
    expect(parseRoute('#/hosts/-1').page).toBe('not-found');
    expect(parseRoute('#/hosts/1e3').page).toBe('not-found');
    expect(parseRoute('#/hosts/2/secrets').page).toBe('not-found');
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', path: '/nope' });
  });

  it('reads the top-level pages', () => {
    for (const page of ['users', 'alerts', 'terminals', 'audit', 'reports'] as const) {
      expect(parseRoute(`#/${page}`)).toEqual({ page });
      expect(routeHref({ page })).toBe(`#/${page}`);
    }
  });

  it('round-trips', () => {
    expect(parseRoute(hostHref(5, 'users'))).toEqual({ page: 'host', id: 5, tab: 'users' });
    expect(routeHref({ page: 'fleet' })).toBe('#/');
  });
});

describe('monitor tab', () => {
  it('is a host tab', () => {
    expect(parseRoute('#/hosts/4/monitor')).toEqual({ page: 'host', id: 4, tab: 'monitor' });
    expect(hostHref(4, 'monitor')).toBe('#/hosts/4/monitor');
  });
});

describe('setup wizard and services tab', () => {
  it('reads the wizard, with a host picked or not', () => {
    expect(parseRoute('#/setup')).toEqual({ page: 'setup' });
    expect(parseRoute('#/setup/7')).toEqual({ page: 'setup', host: 7 });
    expect(routeHref({ page: 'setup' })).toBe('#/setup');
    expect(routeHref({ page: 'setup', host: 7 })).toBe('#/setup/7');
    expect(parseRoute(routeHref({ page: 'setup', host: 12 }))).toEqual({ page: 'setup', host: 12 });
  });

  it('refuses a bad host id or extra parts', () => {
    expect(parseRoute('#/setup/0').page).toBe('not-found');
    expect(parseRoute('#/setup/abc').page).toBe('not-found');
    expect(parseRoute('#/setup/1/2').page).toBe('not-found');
  });

  it('has a services tab on the host page', () => {
    expect(parseRoute('#/hosts/4/services')).toEqual({ page: 'host', id: 4, tab: 'services' });
    expect(hostHref(4, 'services')).toBe('#/hosts/4/services');
  });
});
