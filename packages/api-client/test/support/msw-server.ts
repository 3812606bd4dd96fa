/**
 * An msw server for one test file: listening before its tests (an unhandled request is an
 * error), reset after each, closed after all. For packages whose tests use the contract-built
 * fakes without depending on msw themselves.
 */
import { type SetupServerApi, setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Registers the file's msw server hooks and returns the server for `server.use(...)`. */
export function useMswServer(): SetupServerApi {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}
