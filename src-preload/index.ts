import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

// The sandboxed preload: it may require only 'electron' (everything else is bundled in).
contextBridge.exposeInMainWorld('fleetdeck', createBridge(ipcRenderer));
