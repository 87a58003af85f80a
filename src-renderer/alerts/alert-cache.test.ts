import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src-common/alerts/alert.schema.js';
import { activeCount, applyAlertChange } from './alert-cache.js';

const alert = (id: number, over: Partial<Alert> = {}): Alert => ({
  id, ruleId: 1, kind: 'disk-usage', hostId: 1, hostName: 'gpu-1', subject: '/', message: 'm', severity: 'warning', startedAt: id * 1000, resolvedAt: null, acknowledged: false, ...over,
});

describe('alert cache updates', () => {
  it('adds fired alerts on top, replaces changed ones, keeps active first', () => {
    const list = [alert(1, { resolvedAt: 5000 })];
    const fired = applyAlertChange(list, 'fired', alert(2))!;
    expect(fired.map((a) => a.id)).toEqual([2, 1]);
    expect(activeCount(fired)).toBe(1);
    const resolved = applyAlertChange(fired, 'resolved', alert(2, { resolvedAt: 9000 }))!;
    expect(resolved.map((a) => a.id)).toEqual([2, 1]);
    expect(activeCount(resolved)).toBe(0);
    expect(applyAlertChange(undefined, 'fired', alert(3))).toBeUndefined();
  });
});

describe('alerts route', () => {
  it('parses and builds #/alerts', async () => {
    const { parseRoute, routeHref } = await import('../app/route.js');
    expect(parseRoute('#/alerts')).toEqual({ page: 'alerts' });
    expect(routeHref({ page: 'alerts' })).toBe('#/alerts');
    expect(parseRoute('#/alerts/x').page).toBe('not-found');
  });
});
