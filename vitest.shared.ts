import { defineProject, mergeConfig, type ViteUserConfig } from 'vitest/config';

/**
 * The settings every workspace member's vitest config shares (STYLE.md §11): tests run on the
 * TypeScript source through the `@keel/source` condition, never retry, restore all mocks, and
 * have an explicit time limit. A package passes only what differs.
 */
export function keelProject(name: string, overrides: ViteUserConfig = {}): ViteUserConfig {
  const base = defineProject({
    // Both the client and the server (Node) environments resolve workspace packages to source.
    resolve: { conditions: ['@keel/source', 'module', 'node', 'default'] },
    ssr: { resolve: { conditions: ['@keel/source', 'module', 'node', 'default'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      restoreMocks: true,
      retry: 0,
      testTimeout: 20_000,
      hookTimeout: 20_000,
    },
  });
  return mergeConfig(base, overrides);
}
