/** The validator itself, and 405 + Allow for a known path with an unsupported method. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';
import { assertDocumented } from './openapi-validator.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

it('rejects an undeclared status and a body that does not match the schema', async () => {
  const url = 'http://x/api/snapshots/snap_1';
  await expect(assertDocumented('GET', url, json(418, {}))).rejects.toThrow(
    /GET \/api\/snapshots\/\{id\} -> 418: status not declared/,
  );
  await expect(assertDocumented('GET', url, json(200, { id: 'snap_1' }))).rejects.toThrow(
    /must have required property/,
  );
  await expect(
    assertDocumented('GET', url, json(404, { error: { code: 'not_found', message: 'gone' } })),
  ).resolves.toBeUndefined();
});

it('answers 405 method_not_allowed with Allow on a known path', async () => {
  const res = await h.api('PATCH', '/api/snapshots/snap_1');
  expect(res.status).toBe(405);
  expect(res.headers.get('allow')).toBe('DELETE, GET, HEAD');
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  const publish = await h.api('GET', '/api/snapshots/finalize');
  // GET /api/snapshots/finalize is GET /api/snapshots/{id} with id "finalize": a 404, not a 405.
  expect(publish.status).toBe(404);
  const upload = await h.api('POST', '/upload/plot/snap_1');
  expect(upload.status).toBe(405);
  expect(upload.headers.get('allow')).toBe('PUT');
  const unknown = await h.api('PATCH', '/api/nothing-here');
  expect(unknown.status).toBe(404);
});
