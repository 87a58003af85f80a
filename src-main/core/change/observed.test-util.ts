import type { Observed, Resource } from '../../../src-common/change/resource.schema.js';

/**
 * What a host's change.read answers for a resource, for planning tests: on a fresh host
 * (nothing there yet) and on a host where the plan was applied (everything as wanted).
 */
export function freshObserved(r: Resource): Observed {
  switch (r.kind) {
    case 'file':
      return { kind: 'file', exists: false, sha256: null, text: null, mode: null, owner: null, group: null };
    case 'package':
      return { kind: 'package', installed: Object.fromEntries(r.packages.map((p) => [p, null])), wouldInstall: null, dryRunProblem: null };
    case 'unit':
      return { kind: 'unit', exists: false, enabled: null, running: null };
    case 'command':
      return { kind: 'command', done: r.unless ? false : null };
    case 'process':
      return { kind: 'process', current: { startTime: r.startTime, uid: 1000, command: 'sleep 1000' } };
    default:
      return { kind: 'guard' };
  }
}

export function appliedObserved(r: Resource): Observed {
  switch (r.kind) {
    case 'file':
      return { kind: 'file', exists: true, sha256: null, text: r.content, mode: r.mode ?? 0o644, owner: r.owner ?? 'root', group: r.group ?? 'root' };
    case 'package':
      return { kind: 'package', installed: Object.fromEntries(r.packages.map((p) => [p, '1.0'])), wouldInstall: null, dryRunProblem: null };
    case 'unit':
      return { kind: 'unit', exists: true, enabled: true, running: true };
    case 'command':
      return { kind: 'command', done: r.unless ? true : null };
    case 'process':
      return { kind: 'process', current: null };
    default:
      return { kind: 'guard' };
  }
}
