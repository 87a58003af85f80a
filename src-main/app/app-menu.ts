import type { MenuItemConstructorOptions } from 'electron';
import type { ElectronApi } from './electron-api.js';

/** The standard menus, by role (Electron localizes them and gives each platform its shortcuts). */
export const APP_MENU: MenuItemConstructorOptions[] = [
  { role: 'fileMenu' },
  { role: 'editMenu' },
  { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
  { role: 'windowMenu' },
];

export function installAppMenu(electron: Pick<ElectronApi, 'Menu'>): void {
  electron.Menu.setApplicationMenu(electron.Menu.buildFromTemplate(APP_MENU));
}
