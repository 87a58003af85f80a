import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, lineChart, niceTicks, stackedColumns } from './svg-charts.js';

describe('svg charts', () => {
  it('picks round ticks (whole numbers for counts)', () => {
    expect(niceTicks(100)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(0.0667)).toEqual([0, 0.02, 0.04, 0.06, 0.08]);
    expect(niceTicks(1, 4, true)).toEqual([0, 1]);
    expect(niceTicks(7, 4, true)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('escapes every label and title', () => {
    const evil = `<script>alert(1)</script>"&'`;
    const svgs = [
      barChart({ title: evil, series: [{ name: evil, color: '#000' }], rows: [{ label: evil, values: [1] }], format: (v) => `${v}${evil}` }),
      lineChart({ title: evil, t: [0, 1], lines: [{ name: evil, color: '#000', values: [1, 2] }], yMax: 100, yFormat: String, xFormat: () => evil }),
      stackedColumns({ title: evil, labels: [evil], series: [{ name: evil, color: '#000', values: [1] }] }),
    ];
    for (const s of svgs) {
      expect(s).not.toContain('<script');
      expect(s).toContain(escapeXml('<script>alert(1)</script>'));
      expect(s.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    }
  });

  it('breaks lines at gaps and draws lone points as dots', () => {
    const s = lineChart({ title: 't', t: [0, 1, 2, 3, 4], lines: [{ name: 'a', color: '#111', values: [10, 20, null, 30, null] }], yMax: 100, yFormat: String, xFormat: String });
    const d = /<path d="([^"]+)"/.exec(s)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(s.match(/<circle/g)).toHaveLength(1);
  });

  it('draws nothing for null values and a marker behind a bar', () => {
    const s = barChart({ title: 't', series: [{ name: 'a', color: '#111' }, { name: 'b', color: '#222' }], rows: [{ label: 'x', values: [50, null], markers: [80, null] }], format: String, max: 100 });
    expect(s.match(/fill="#111"/g)).toHaveLength(3); // legend, marker, bar
    expect(s.match(/fill="#222"/g)).toHaveLength(1); // legend only
  });

  it('wraps a legend that would run past the right edge, and makes room for it', () => {
    const names = Array.from({ length: 8 }, (_, i) => `a-rather-long-host-name-${i}`);
    const one = lineChart({ title: 't', t: [0, 1], lines: [{ name: 'a', color: '#111', values: [1, 2] }], yMax: 100, yFormat: String, xFormat: String });
    const many = lineChart({ title: 't', t: [0, 1], lines: names.map((name) => ({ name, color: '#111', values: [1, 2] })), yMax: 100, yFormat: String, xFormat: String });
    const height = (svg: string) => Number(/viewBox="0 0 \d+ (\d+)"/.exec(svg)![1]);
    expect(height(many)).toBeGreaterThan(height(one));
    const xs = [...many.matchAll(/<text x="([\d.]+)" y="[\d.]+" class="c-legend"/g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(8);
    expect(Math.max(...xs) + 28 * 6.2).toBeLessThanOrEqual(720);
  });
});
