import { useState } from 'react';
import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import { Badge, EmptyState } from '../app/ui.js';
import { formatBytes, formatBytesOf, formatPercent, plural, ratioPercent, usageLevel } from '../format.js';
import { diskSplit, type DiskSplit } from './disk-usage.js';
import { SectionNotices, TAB_SECTIONS } from './SectionNotices.js';

/**
 * Used, reserved and free as three parts of one bar, so what the bar shows adds up to the size.
 * Amber and red follow how full it is for users (the reserve is no room for them).
 */
function DiskBar({ split, graded, label }: { split: DiskSplit; graded: boolean; label: string }) {
  const level = graded ? usageLevel(split.fullPercent) : 'plain';
  return (
    <div className={`usage-bar usage-small usage-${level} disk-bar`} role="img" aria-label={label} title={label}>
      <div className="usage-fill" style={{ width: `${split.usedPercent ?? 0}%` }} />
      {split.reservedBytes > 0 ? <div className="disk-reserved" style={{ width: `${split.reservedPercent ?? 0}%` }} /> : null}
    </div>
  );
}

export function DisksTab({ inventory }: { inventory: Inventory }) {
  const [showLoops, setShowLoops] = useState(false);
  const filesystems = [...inventory.filesystems].sort((a, b) => a.mountPoint.localeCompare(b.mountPoint));
  const loops = inventory.blockDevices.filter((d) => d.type === 'loop');
  const devices = inventory.blockDevices.filter((d) => showLoops || d.type !== 'loop');

  return (
    <div className="disks" data-testid="disks">
      <SectionNotices inventory={inventory} names={TAB_SECTIONS.disks} />
      <section className="panel">
        <h2 className="panel-title">Filesystems</h2>
        {filesystems.length === 0 ? (
          <EmptyState icon="disk" title="No filesystems reported" testId="filesystems-empty" />
        ) : (
          <div className="table-wrap">
            <table className="table filesystems-table">
              <thead>
                <tr>
                  <th>Mounted on</th>
                  <th>Device</th>
                  <th>Type</th>
                  <th className="col-usage">Used of size</th>
                  <th className="num">Free</th>
                  <th className="num" title="Blocks kept for root (ext4 reserves 5 % by default): part of the size, not free for users">
                    Reserved
                  </th>
                  <th className="num" title="Share of the filesystem's inodes (file slots) in use">
                    Inodes
                  </th>
                </tr>
              </thead>
              <tbody>
                {filesystems.map((f) => {
                  const d = diskSplit(f);
                  const inodes = ratioPercent(f.inodesTotal - f.inodesFree, f.inodesTotal);
                  return (
                    <tr key={`${f.mountPoint}-${f.device}`} data-testid={`filesystem-row-${f.mountPoint}`}>
                      <td className="mono strong">
                        {f.mountPoint} {f.readOnly ? <Badge tone="neutral">read-only</Badge> : null}
                      </td>
                      <td className="mono small-text muted truncate-cell" title={f.device}>
                        {f.device}
                      </td>
                      <td className="mono small-text">{f.fsType}</td>
                      <td className="cell-bar">
                        <div className="cell-bar-text">
                          <span data-testid="filesystem-used">{formatBytesOf(d.usedBytes, d.sizeBytes)}</span>
                          <span className="muted" title={`Of the size. Full for users (df's Use%, used ÷ (used + free)): ${formatPercent(d.fullPercent)}`}>
                            {formatPercent(d.usedPercent)}
                          </span>
                        </div>
                        <DiskBar split={d} graded={!f.readOnly} label={`${f.mountPoint}: ${formatBytes(d.usedBytes)} used, ${formatBytes(d.reservedBytes)} reserved, ${formatBytes(d.freeBytes)} free`} />
                      </td>
                      <td className="num" data-testid="filesystem-free">
                        {formatBytes(d.freeBytes)}
                      </td>
                      <td className="num muted" data-testid="filesystem-reserved">
                        {d.reservedBytes > 0 ? formatBytes(d.reservedBytes) : '—'}
                      </td>
                      <td className="num">{f.inodesTotal > 0 ? formatPercent(inodes) : <span className="muted">—</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="panel">
        <div className="panel-title-row">
          <h2 className="panel-title">Block devices</h2>
          {loops.length > 0 ? (
            <label className="checkbox">
              <input type="checkbox" checked={showLoops} onChange={(e) => setShowLoops(e.target.checked)} data-testid="disks-show-loops" />
              Show {plural(loops.length, 'loop device')}
            </label>
          ) : null}
        </div>
        {devices.length === 0 ? (
          <EmptyState icon="disk" title="No block devices reported" testId="blockdevices-empty" />
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Type</th>
                  <th className="num">Size</th>
                  <th>Media</th>
                  <th>Model</th>
                </tr>
              </thead>
              <tbody>
                {devices.map((d) => (
                  <tr key={d.name} data-testid={`blockdevice-row-${d.name}`} className={d.type === 'partition' ? 'row-child' : undefined}>
                    <td className="mono strong">{d.name}</td>
                    <td>{d.type}</td>
                    <td className="num">{formatBytes(d.sizeBytes)}</td>
                    <td>
                      {d.rotational === null ? <span className="muted">—</span> : d.rotational ? 'HDD' : 'SSD'}
                      {d.removable ? <Badge tone="neutral">removable</Badge> : null}
                    </td>
                    <td className="muted">{d.model ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
