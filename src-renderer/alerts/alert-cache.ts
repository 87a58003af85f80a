import type { Alert } from '../../src-common/alerts/alert.schema.js';
import type { AlertChange } from '../../src-common/alerts/alerts.contract.js';

/** Pure cache update for one alerts.onChange push: replace by id, or add a newly fired alert; active first. */
export function applyAlertChange(list: Alert[] | undefined, change: AlertChange, alert: Alert): Alert[] | undefined {
  if (!list) return list;
  const found = list.some((a) => a.id === alert.id);
  const next = found ? list.map((a) => (a.id === alert.id ? alert : a)) : change === 'fired' ? [alert, ...list] : list;
  return sortAlerts(next);
}

export function sortAlerts(list: Alert[]): Alert[] {
  return [...list].sort((a, b) => {
    const aa = a.resolvedAt === null ? 1 : 0;
    const ba = b.resolvedAt === null ? 1 : 0;
    if (aa !== ba) return ba - aa;
    return (b.resolvedAt ?? b.startedAt) - (a.resolvedAt ?? a.startedAt) || b.id - a.id;
  });
}

export function activeCount(list: Alert[] | undefined): number {
  return list?.filter((a) => a.resolvedAt === null).length ?? 0;
}
