import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The renderer as a static site for `fleetdeck serve` (out/web). Relative base so the same files
 * work from any path and from file:// in Electron; nothing inlined, so the strict CSP
 * (script-src 'self'; style-src 'self') holds: no inline scripts, no data: assets.
 */
/**
 * Chunks of the renderer: each page is loaded on first show (React.lazy in app/App.tsx; the Monitor
 * tab and the fleet sparklines in their own chunks, so the charting library comes with them), and
 * the libraries every page needs sit in vendor chunks of their own, which stay cached when only
 * the app's code changes. Only libraries the entry imports anyway are grouped: a group holding a
 * module a lazy page also needs would pull that page's libraries into the start-up.
 * Shared with the Electron renderer build (electron.vite.config.ts).
 */
export const rendererChunks = {
  groups: [
    { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 30 },
    { name: 'query', test: /node_modules[\\/]@tanstack[\\/]/, priority: 20 },
    { name: 'zod', test: /node_modules[\\/]zod[\\/]/, priority: 20 },
    { name: 'xterm', test: /node_modules[\\/]@xterm[\\/]/, priority: 20 },
  ],
};

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
    rolldownOptions: { output: { codeSplitting: rendererChunks } },
  },
});
