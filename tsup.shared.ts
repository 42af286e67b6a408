import { defineConfig, type Options } from 'tsup';

/**
 * The build every library shares (STYLE.md §11): ESM only, declarations, sourcemaps, no
 * minification, for Node 20. `entry` lists the public entry points.
 */
export function keelBuild(entry: string[], overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    minify: false,
    ...overrides,
  });
}
