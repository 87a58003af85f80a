import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import { Notice } from '../app/ui.js';

/** Sections each tab shows; anything else that failed is reported on the overview. */
export const TAB_SECTIONS = {
  gpus: ['gpus'],
  users: ['users'],
  containers: ['containers'],
  disks: ['filesystems', 'blockDevices'],
} as const;

const CLAIMED = new Set<string>(Object.values(TAB_SECTIONS).flat());

/** Says why a section could not be read, in the helper's own words, instead of showing it silently empty. */
export function SectionNotices({ inventory, names }: { inventory: Inventory; names?: readonly string[] }) {
  const failing = Object.entries(inventory.sections).filter(([name, s]) => !s.ok && (names ? names.includes(name) : !CLAIMED.has(name)));
  if (failing.length === 0) return null;
  return (
    <div className="section-notices">
      {failing.map(([name, s]) => (
        <Notice key={name} tone="warning" testId={`section-message-${name}`}>
          <strong>Could not read {name}.</strong> {s.message ?? 'No reason was given.'}
        </Notice>
      ))}
    </div>
  );
}

export function sectionFailed(inventory: Inventory, name: string): boolean {
  return inventory.sections[name]?.ok === false;
}
