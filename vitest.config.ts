import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of the workspace packages, not their builds.
    alias: [
      { find: /^@snapshotplot\/api-client$/, replacement: source('api-client/src/index.ts') },
      {
        find: /^@snapshotplot\/api-client\/contract$/,
        replacement: source('api-client/src/contract-entry.ts'),
      },
      // Test support only (msw handlers typed by the schemas, temp files), for core's tests.
      {
        find: /^@snapshotplot\/api-client\/testing$/,
        replacement: source('api-client/test/support/index.ts'),
      },
      { find: /^@snapshotplot\/core$/, replacement: source('core/src/index.ts') },
      // Test support only (a temp git repository built from an object), for the CLI's tests.
      {
        find: /^@snapshotplot\/core\/testing$/,
        replacement: source('core/test/helpers/git-repo.ts'),
      },
      {
        find: /^snapshotplot-server\/testing$/,
        replacement: source('server/src/testing.ts'),
      },
      {
        find: /^snapshotplot-server\/testing-oidc$/,
        replacement: source('server/src/testing-oidc.ts'),
      },
      {
        find: /^snapshotplot-server\/testing-github$/,
        replacement: source('server/src/testing-github.ts'),
      },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
