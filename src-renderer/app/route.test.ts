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
    for (const page of ['alerts', 'terminals', 'audit', 'reports'] as const) {
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
