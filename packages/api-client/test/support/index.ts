/** Test support shared with @snapshotplot/core's tests (vitest alias `@snapshotplot/api-client/testing`). */

export * from './connect-proxy.js';
export * from './fake-api.js';
export * from './fixtures.js';
export * from './handle.js';
export * from './msw-server.js';
