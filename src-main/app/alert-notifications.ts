import type { BrowserWindow } from 'electron';
import type { PayloadOf } from '../../src-common/contract.js';
import type { apiEvents } from '../../src-common/api.js';
import type { ElectronApi } from './electron-api.js';

export type AlertChange = PayloadOf<typeof apiEvents.alerts.onChange>;

/** A desktop notification for each newly fired alert; clicking it brings the window forward. */
export function notifyAlert(electron: Pick<ElectronApi, 'Notification'>, win: () => BrowserWindow | null, e: AlertChange): void {
  if (e.change !== 'fired' || !electron.Notification.isSupported()) return;
  const n = new electron.Notification({ title: `${e.alert.severity === 'critical' ? 'Critical' : 'Warning'}: ${e.alert.hostName}`, body: e.alert.message });
  n.on('click', () => {
    win()?.show();
    win()?.focus();
  });
  n.show();
}
