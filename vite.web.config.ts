import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The renderer as a static site for `fleetdeck serve` (out/web). Relative base so the same files
 * work from any path and from file:// in Electron; nothing inlined, so the strict CSP
 * (script-src 'self'; style-src 'self') holds: no inline scripts, no data: assets.
 */
const root = fileURLToPath(new URL('./src-renderer/', import.meta.url));
const outDir = fileURLToPath(new URL('./out/web/', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsInlineLimit: 0,
    // The module preload polyfill would be injected inline-free anyway, but every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
  },
});
