import { defineConfig } from 'vitest/config';

// The root run: every workspace member is a project with its own vitest.config.ts. The JSON
// report is what .ci/run reads to print its closing "N passed, N failed" line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tools/*'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
