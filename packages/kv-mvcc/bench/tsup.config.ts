import { keelBuild } from '../../../tsup.shared.ts';

// The benchmark runs as plain JavaScript, as the package does once built: its resident memory
// figure would otherwise carry a TypeScript loader's ~30 MB. The store and the bench kit are
// bundled from source; lmdb and msgpackr stay packages.
export default keelBuild(['bench/store.ts'], {
  outDir: 'node_modules/.bench',
  dts: false,
  sourcemap: false,
  silent: true,
  noExternal: [/^@keel\//],
  esbuildOptions(options) {
    options.conditions = ['@keel/source'];
  },
});
