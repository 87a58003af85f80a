import { OWNER_LABEL } from '../../../src-common/monitor/labels.js';
import type { UserNames } from './user-directory.js';

/**
 * Who owns a container. The `fleetdeck.owner` label says so explicitly; without it the owner is
 * inferred from the uid its processes run as. Root is never inferred as an owner: most images
 * run as root whoever started them, so "root" would be a guess dressed up as an answer.
 */

export interface ContainerOwner {
  owner: string | null;
  ownerSource: 'label' | 'inferred' | null;
  /** The owner's uid when it is a local account (or the inferred uid itself); null otherwise. */
  ownerUid: number | null;
}

/** The non-root uid most of each container's processes run as (ties: the lowest uid, so the answer is stable). */
export function inferContainerUids(processes: Iterable<{ containerId: string | null; uid: number | null }>): Map<string, number | null> {
  const counts = new Map<string, Map<number, number>>();
  for (const p of processes) {
    if (p.containerId === null) continue;
    const perUid = counts.get(p.containerId) ?? new Map<number, number>();
    counts.set(p.containerId, perUid);
    if (p.uid !== null && p.uid !== 0) perUid.set(p.uid, (perUid.get(p.uid) ?? 0) + 1);
  }
  const out = new Map<string, number | null>();
  for (const [id, perUid] of counts) {
    let best: number | null = null;
    for (const [uid, n] of perUid) {
      const bestN = best === null ? 0 : perUid.get(best)!;
      if (n > bestN || (n === bestN && uid < best!)) best = uid;
    }
    out.set(id, best);
  }
  return out;
}

export function containerOwner(labels: Record<string, string> | undefined, inferredUid: number | null, names: UserNames): ContainerOwner {
  const label = labels?.[OWNER_LABEL]?.trim();
  if (label) return { owner: label, ownerSource: 'label', ownerUid: names.uidOf(label) };
  if (inferredUid === null) return { owner: null, ownerSource: null, ownerUid: null };
  // A uid without a passwd entry (userns-remapped, LDAP) still identifies someone: show the number.
  return { owner: names.nameOf(inferredUid) ?? String(inferredUid), ownerSource: 'inferred', ownerUid: inferredUid };
}
