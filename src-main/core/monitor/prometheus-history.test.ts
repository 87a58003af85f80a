import { describe, expect, it } from 'vitest';
import type { InstalledModule } from '../../../src-common/change/modules.contract.js';
import { exactly, parseRange, prometheusHistory, rangePath, seriesQuery, stepSeconds } from './prometheus-history.js';
import { prometheusServerFor } from './prometheus-servers.js';

/**
 * History from the fleet's Prometheus: the PromQL per series (names from the hosts table
 * escaped), the range asked for, the answer read as host data, and which Prometheus scrapes a
 * host. Live, through the SSH connection to a real Prometheus: e2e/integration/modules/monitoring.test.ts.
 */
describe('history from Prometheus', () => {
  it('asks each series as the local history measures it, for this host’s instance labels only', () => {
    expect(seriesQuery('cpu', ['gpu-1', '10.0.0.7:9100'], 60)).toBe('100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle",instance=~"^(gpu-1|10\\\\.0\\\\.0\\\\.7:9100)$"}[60s])))');
    expect(seriesQuery('mem', ['a'], 60)).toContain('node_memory_MemAvailable_bytes');
    expect(seriesQuery('netRx', ['a'], 120)).toMatch(/device!~"lo\|veth\.\*/);
    // A hostile name cannot leave the string or the regular expression.
    const q = seriesQuery('load1', ['x"} or vector(1) #', 'a|.*'], 60);
    expect(q).toBe('max(node_load1{instance=~"^(x\\"\\\\} or vector\\\\(1\\\\) #|a\\\\|\\\\.\\\\*)$"})');
    expect(exactly(['a.b'])).toBe('^(a\\.b)$');
  });

  it('steps of at least the scrape interval, the range as Prometheus takes it', () => {
    expect(stepSeconds(0, 86_400_000, 300)).toBe(288);
    expect(stepSeconds(0, 600_000, 300)).toBe(15);
    expect(rangePath('up', 1_000_000, 1_600_000, 15)).toBe('/prometheus/api/v1/query_range?query=up&start=1000&end=1600&step=15');
  });

  it('reads a matrix as points; refuses what is not one, and says Prometheus’s own error', () => {
    const body = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1000, '12.5'], [1015, 'NaN']] }] } });
    expect(parseRange(body, 'lab')).toEqual([
      { t: 1_000_000, min: 12.5, avg: 12.5, max: 12.5 },
      { t: 1_015_000, min: null, avg: null, max: null },
    ]);
    expect(parseRange(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }), 'lab')).toEqual([]);
    expect(() => parseRange('<html>', 'lab')).toThrow(/did not answer JSON/);
    expect(() => parseRange(JSON.stringify({ status: 'error', error: 'parse error at char 3' }), 'lab')).toThrow(/refused the query: parse error/);
    expect(() => parseRange(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }), 'lab')).toThrow(/not read as a range/);
  });

  it('finds the Prometheus that scrapes a host from the monitoring module’s installed settings', async () => {
    const hosts = [
      { id: 1, name: 'gpu-1', address: '10.0.0.1' },
      { id: 2, name: 'gpu-2', address: '10.0.0.2' },
      { id: 3, name: 'lone', address: '10.0.0.3' },
    ];
    const mon = (prometheusHost: string): InstalledModule => ({ module: 'monitoring', settings: { prometheusHost }, appliedAt: 1, journalId: null, lastVerify: null });
    const installed = (id: number) => (id === 1 ? [mon('')] : id === 2 ? [mon('gpu-1')] : []);
    expect(prometheusServerFor(hosts, installed, 2)).toEqual({ hostId: 1, hostName: 'gpu-1', instances: ['gpu-2', '10.0.0.2:9100', 'gpu-2:9100'] });
    expect(prometheusServerFor(hosts, installed, 1)?.hostId).toBe(1);
    expect(prometheusServerFor(hosts, installed, 3)).toBeNull();
    const asked: string[] = [];
    const r = await prometheusHistory({ serverFor: (id) => prometheusServerFor(hosts, installed, id), get: async (_s, p) => (asked.push(p), { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }) }) }, 2, 'cpu', 0, 3_600_000, 60);
    expect(r).toEqual({ points: [], via: 'gpu-1' });
    expect(new URLSearchParams(asked[0]!.split('?')[1]).get('query')).toContain('instance=~"^(gpu-2|10\\\\.0\\\\.0\\\\.2:9100|gpu-2:9100)$"');
    await expect(prometheusHistory({ serverFor: () => null, get: async () => ({ status: 200, body: '' }) }, 3, 'cpu', 0, 1, 10)).rejects.toThrow(/No Prometheus scrapes this host: install the monitoring module/);
  });
});
