import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const apiClientSource = fileURLToPath(
  new URL('./packages/api-client/src/index.ts', import.meta.url),
);

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of the workspace packages, not their builds.
    alias: [
      { find: /^@snapshotplot\/api-client$/, replacement: apiClientSource },
      {
        find: /^snapshotplot-server\/testing$/,
        replacement: fileURLToPath(new URL('./packages/server/src/testing.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
