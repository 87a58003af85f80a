import { useState } from 'react';
import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import { Badge, EmptyState, UsageBar } from '../app/ui.js';
import { formatBytes, formatBytesOf, formatPercent, plural, ratioPercent } from '../format.js';
import { SectionNotices, TAB_SECTIONS } from './SectionNotices.js';

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
            <table className="table">
              <thead>
                <tr>
                  <th>Mounted on</th>
                  <th>Device</th>
                  <th>Type</th>
                  <th className="col-usage">Usage</th>
                  <th className="num">Free</th>
                  <th className="num">Inodes used</th>
                </tr>
              </thead>
              <tbody>
                {filesystems.map((f) => {
                  const used = ratioPercent(f.usedBytes, f.usedBytes + f.availableBytes);
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
                          <span>{formatBytesOf(f.usedBytes, f.totalBytes)}</span>
                          <span className="muted">{formatPercent(used)}</span>
                        </div>
                        <UsageBar percent={used} size="small" graded={!f.readOnly} label={`${f.mountPoint} usage`} />
                      </td>
                      <td className="num">{formatBytes(f.availableBytes)}</td>
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
