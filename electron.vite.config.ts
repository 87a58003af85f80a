import react from '@vitejs/plugin-react';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { resolve } from 'node:path';
import { rendererChunks } from './vite.web.config';

// The Electron build: main (thin shell), preload (sandboxed, CommonJS), renderer (the React UI,
// the same one `fleetdeck serve` gives a browser).
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: { outDir: 'out/main', lib: { entry: resolve(__dirname, 'src-main/app/main.ts'), formats: ['cjs'] }, rollupOptions: { output: { entryFileNames: 'index.cjs' } } },
  },
  preload: {
    build: { outDir: 'out/preload', lib: { entry: resolve(__dirname, 'src-preload/index.ts'), formats: ['cjs'] }, rollupOptions: { external: ['electron'], output: { entryFileNames: 'index.cjs' } } },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    base: './',
    plugins: [react()],
    // The same chunks as the web build: pages load when first shown (see vite.web.config.ts).
    build: { outDir: resolve(__dirname, 'out/renderer'), assetsInlineLimit: 0, rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html'), output: { codeSplitting: rendererChunks } } },
  },
});
