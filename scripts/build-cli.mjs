// Bundles the core + CLI (src-main/core) into out/cli/fleetdeck.mjs for plain Node, with its npm
// dependencies (ssh2, ws, zod, better-sqlite3) inside: the `npm pack` tarball then needs nothing
// from the registry when it is installed (`npm i -g ./fleetdeck-*.tgz`, even offline).
// Native addons cannot live in a JS bundle: each `require('….node')` is copied to
// out/cli/native/ and loaded from there at run time (built by `npm install` for this Node's ABI
// and this machine's libc). Optional ones that are not built here (ssh2's crypto binding,
// cpu-features, ws's bufferutil) stay runtime requires inside the packages' own try/catch.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out/cli');
const nativeDir = path.join(outDir, 'native');
const require = createRequire(path.join(root, 'package.json'));

mkdirSync(nativeDir, { recursive: true });
const natives = [];

/**
 * Copies an addon into out/cli/native/ without ever rewriting a file in place: a CLI or `serve`
 * running from this checkout has it mapped, and overwriting a mapped library crashes that process.
 * Unchanged files are left alone; changed ones are replaced by rename (the old inode lives on).
 */
function placeAddon(src, name) {
  const dest = path.join(nativeDir, name);
  if (existsSync(dest) && readFileSync(dest).equals(readFileSync(src))) return;
  const tmp = `${dest}.${process.pid}.tmp`;
  copyFileSync(src, tmp);
  renameSync(tmp, dest);
}

/** `require('x.node')` → a copy in out/cli/native/, required relative to the bundle at run time. */
const nativeAddons = {
  name: 'native-addons',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const abs = path.resolve(args.resolveDir, args.path);
      if (!existsSync(abs)) return { path: args.path, external: true }; // optional, not built here
      const name = path.basename(abs);
      placeAddon(abs, name);
      natives.push(name);
      return { path: `./native/${name}`, external: true };
    });
    // better-sqlite3 finds its addon through `bindings` (a stack-trace walk to its package dir,
    // which does not exist inside a bundle): hand it the one addon it asks for.
    b.onResolve({ filter: /^bindings$/ }, (args) => ({ path: args.importer, namespace: 'bindings-shim' }));
    b.onLoad({ filter: /.*/, namespace: 'bindings-shim' }, () => {
      const addon = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
      return {
        resolveDir: root,
        loader: 'js',
        contents: `module.exports = function bindings(name) {
  if (name !== 'better_sqlite3.node') throw new Error('fleetdeck bundle: unexpected native addon ' + name);
  return require(${JSON.stringify(addon)});
};`,
      };
    });
    // Optional dependencies of ssh2 and ws: bundled when installed, else left to their try/catch.
    b.onResolve({ filter: /^(cpu-features|bufferutil|utf-8-validate)$/ }, (args) => {
      try {
        require.resolve(args.path);
        return undefined;
      } catch {
        return { path: args.path, external: true };
      }
    });
  },
};

await build({
  entryPoints: [path.join(root, 'src-main/core/cli/entry.ts')],
  outfile: path.join(outDir, 'fleetdeck.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['electron'],
  plugins: [nativeAddons],
  sourcemap: true,
  // Start-up is most of a short command's time: a smaller file is decoded and compiled faster.
  // Names are kept as written (error names, class names in messages).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // CommonJS packages inside an ES module: they get `require` (relative to this bundle, which is
  // how out/cli/native/*.node is found) and `__dirname`/`__filename`.
  define: { __dirname: '__fleetdeck_dirname', __filename: '__fleetdeck_filename' },
  banner: {
    js: [
      "import { createRequire as __cr } from 'node:module';",
      "import { fileURLToPath as __fu } from 'node:url';",
      "import { dirname as __dn } from 'node:path';",
      'const require = __cr(import.meta.url);',
      'const __fleetdeck_filename = __fu(import.meta.url);',
      'const __fleetdeck_dirname = __dn(__fleetdeck_filename);',
    ].join(' '),
  },
});
for (const f of readdirSync(nativeDir)) if (!natives.includes(f)) rmSync(path.join(nativeDir, f), { force: true });
console.log(`cli bundle: out/cli/fleetdeck.mjs (native addons in out/cli/native: ${natives.join(', ') || 'none'})`);
