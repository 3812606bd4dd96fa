/** The contract helpers (paths, queries, statuses) and how the client reports a status no entry declares. */
import {
  ApiError,
  contract,
  createClient,
  declaredStatuses,
  pathFor,
  queryFor,
  responseSchema,
  SnapshotSchema,
  successStatuses,
} from '@snapshotplot/api-client';
import * as contractOnly from '@snapshotplot/api-client/contract';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorBody } from './support/fake-api.js';
import { BASE, recordingSleep, snapshot } from './support/fixtures.js';
import { handle } from './support/handle.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('pathFor', () => {
  it('fills each :name segment, URI-encoded', () => {
    expect(pathFor(contract.getSnapshot, { id: 'snap_1' })).toBe('/api/snapshots/snap_1');
    expect(pathFor(contract.upload, { kind: 'plot', snapshot_id: 'a/b?c' })).toBe(
      '/upload/plot/a%2Fb%3Fc',
    );
    expect(pathFor({ path: '/healthz' })).toBe('/healthz');
  });

  it('throws on a missing value instead of building a shorter path', () => {
    expect(() => pathFor(contract.upload, { kind: 'plot' } as never)).toThrow(
      '/upload/:kind/:snapshot_id needs a value for :snapshot_id',
    );
  });

  it('is in the contract subpath, with entries(), for the server', () => {
    expect(contractOnly.pathFor).toBe(pathFor);
    expect(contractOnly.entries().map(([name]) => name)).toEqual(Object.keys(contract));
  });
});

describe('queryFor', () => {
  it("keeps the keys the entry's query schema declares, in its order, without empty values", () => {
    const query = { limit: 5, nope: 'x', branch: 'main', tag: undefined, cursor: null };
    expect(queryFor(contract.listSnapshots, query)).toBe('?branch=main&limit=5');
    expect(queryFor(contract.listSnapshots, {})).toBe('');
    expect(queryFor(contract.finalize, { branch: 'main' })).toBe('');
  });
});

describe('statuses', () => {
  it('reads the declared statuses and their schemas from the entry', () => {
    expect(successStatuses(contract.publish)).toEqual([200, 201]);
    expect(declaredStatuses(contract.finalize)).toEqual([
      200, 400, 401, 403, 404, 408, 409, 413, 415, 429, 500, 503, 507,
    ]);
    expect(responseSchema(contract.getSnapshot, 200)).toBe(SnapshotSchema);
    expect(responseSchema(contract.getSnapshot, 201)).toBeUndefined();
    // A declared non-JSON answer (the artifact bytes) is declared, with no schema to check.
    expect(responseSchema(contract.getArtifact, 206)).toBeDefined();
  });
});

describe('answers the entry does not declare', () => {
  const client = () =>
    createClient({ baseUrl: BASE, token: 'spt_x', sleep: recordingSleep().sleep });

  it('a 2xx the entry does not declare is unexpected_status, named, and never retried', async () => {
    let seen = 0;
    server.use(
      handle(contract.getSnapshot, () => {
        seen++;
        return HttpResponse.json(snapshot(), { status: 202 });
      }),
    );
    const error = (await client()
      .getSnapshot('snap_1')
      .catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 202, code: 'unexpected_status' });
    expect(error.message).toContain('HTTP 202 from api.snapshotplot.test/api/snapshots/snap_1');
    expect(error.message).toContain('(it expects 200)');
    expect(seen).toBe(1);
  });

  it('a DELETE answered 204 No Content or an empty 200 is as good as the declared body', async () => {
    for (const status of [204, 200]) {
      server.use(handle(contract.deleteSnapshot, () => new HttpResponse(null, { status })));
      await expect(client().deleteSnapshot('snap_1')).resolves.toBeUndefined();
    }
  });

  it('a known server code is the code; serverCode carries it as sent', async () => {
    server.use(
      handle(contract.getSnapshot, () => errorBody(404, 'not_found', 'No such snapshot.')),
    );
    await expect(client().getSnapshot('snap_9')).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      serverCode: 'not_found',
    });
  });
});
