/**
 * run() in unit tests talks to a real snapshotplot-server (the BUILT bin on port 0, one per test
 * file, so run `pnpm build` first) through the real client, instead of a fake behind the client
 * interface. The server runs with a public URL, as one behind a proxy does, so the links it
 * gives (and the summary's thumbnails) are public ones; the client's fetch sends requests for
 * that host to the server. `published` holds the publish bodies the client put on the wire, so
 * a test can still check exactly what run() asked for.
 */
import {
  contract,
  createClient,
  type PublishRequest,
  pathFor,
  type SnapshotplotClient,
} from '@snapshotplot/api-client';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll } from 'vitest';

/** The host the server's links name; requests to it go to the server on 127.0.0.1. */
export const PUBLIC_URL = 'https://plots.example.com';

export interface RecordingClient extends SnapshotplotClient {
  /** Every JSON publish body sent, in order (retries included). */
  published: PublishRequest[];
}

export interface UnitServer {
  projectId: () => string;
  /** A client of the server (publisher token) that records the publish bodies it sends. */
  client: () => RecordingClient;
  /**
   * Inputs that point a step at the server's project, with a collection of the test's own: the
   * server answers a publish of a commit and title it already has in a collection with that
   * snapshot, which would hand one test another's result.
   */
  env: () => Record<string, string>;
}

/** Starts the server before the file's tests and stops it after them. */
export function useServer(): UnitServer {
  let server: TestServer | undefined;
  let projectId = '';
  let token = '';
  let tests = 0;
  beforeAll(async () => {
    server = await startTestServer({ args: ['--public-url', PUBLIC_URL] });
    projectId = (await server.createProject('action-unit')).id;
    token = await server.createToken(projectId, 'publisher');
  });
  afterAll(async () => {
    await server?.destroy();
  });
  return {
    projectId: () => projectId,
    client() {
      const published: PublishRequest[] = [];
      const publishPath = pathFor(contract.publish);
      const recording: typeof fetch = async (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        const isPublish = init?.method === contract.publish.method && url.pathname === publishPath;
        if (isPublish && typeof init?.body === 'string') published.push(JSON.parse(init.body));
        const target =
          url.origin === PUBLIC_URL ? `${server!.url}${url.pathname}${url.search}` : url;
        return fetch(target, init);
      };
      const client = createClient({ baseUrl: PUBLIC_URL, token, fetch: recording });
      return Object.assign(client, { published });
    },
    env: () => ({
      'INPUT_API-URL': PUBLIC_URL,
      'INPUT_PROJECT-ID': projectId,
      INPUT_COLLECTION: `unit-${++tests}`,
      // These tests are about publishing; the comparison after it has its own tests.
      INPUT_COMPARE: 'false',
    }),
  };
}
