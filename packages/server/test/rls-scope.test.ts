/**
 * PostgreSQL only (`pnpm test:postgres`): a request's queries run with row-level security set
 * to its principal's projects, so a query that forgot its project filter still sees nothing of
 * other projects. Skipped on SQLite, which has no row-level security.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReady } from './events-helpers.js';
import { BACKEND, type Harness, publish, startHarness } from './helpers.js';

describe.skipIf(BACKEND !== 'postgres')('row-level security scope per request', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it("sets app.principal_projects to the caller's projects once it is authenticated", async () => {
    await h.project('proj_other');
    const otherToken = await h.tokenFor('proj_other', 'admin');
    const id = await publishReady(h, 'mine');
    const scope = h.server.context.store.scope;
    const original = scope.setting.bind(scope);
    const seen: string[] = [];
    scope.setting = () => {
      const value = original();
      seen.push(value);
      return value;
    };
    try {
      expect((await h.api('GET', `/api/snapshots/${id}`)).status).toBe(200);
      expect(seen).toContain('proj_test');
      expect(seen.filter((v) => v !== '*' && v !== 'proj_test')).toEqual([]);
      seen.length = 0;
      // Another project's token: its queries run scoped to proj_other, and the row is hidden.
      const res = await h.api('GET', `/api/snapshots/${id}`, { token: otherToken });
      expect(res.status).toBe(404);
      expect(seen).toContain('proj_other');
      expect(seen).not.toContain('proj_test');
    } finally {
      scope.setting = original;
    }
  });

  it('keeps the scope for the rest of the request: publish, upload, finalize, list', async () => {
    const scope = h.server.context.store.scope;
    const original = scope.setting.bind(scope);
    const trail: string[] = [];
    scope.setting = () => {
      const value = original();
      trail.push(value);
      return value;
    };
    const afterAuth = () => trail.slice(trail.indexOf('proj_test'));
    try {
      const pub = await publish(h, { title: 'scoped', artifacts: { plot: true, code: false } });
      expect(pub.status).toBe(201);
      // Once narrowed, no query of the request ran unscoped (the JSON body is parsed after auth).
      expect(afterAuth().length).toBeGreaterThan(0);
      expect(afterAuth().every((v) => v === 'proj_test')).toBe(true);
      trail.length = 0;
      const fin = await h.api('POST', '/api/snapshots/finalize', {
        json: { project_id: h.projectId, snapshot_id: pub.body.snapshot_id },
      });
      expect(fin.status).toBe(409); // nothing uploaded yet
      expect(afterAuth().every((v) => v === 'proj_test')).toBe(true);
      trail.length = 0;
      expect((await h.api('GET', `/api/projects/${h.projectId}/snapshots`)).status).toBe(200);
      expect(afterAuth().length).toBeGreaterThan(0);
      expect(afterAuth().every((v) => v === 'proj_test')).toBe(true);
    } finally {
      scope.setting = original;
    }
  });

  it('hides other projects even from a store call without a project filter', async () => {
    const store = h.server.context.store;
    const id = await publishReady(h, 'hidden');
    await new Promise<void>((resolve, reject) =>
      store.scope.run(() => {
        store.scope.restrict(['proj_other']);
        store
          .getSnapshot(id)
          .then((row) => expect(row).toBeUndefined())
          .then(resolve, reject);
      }),
    );
    expect((await store.getSnapshot(id))?.id).toBe(id); // unscoped (system) still sees it
  });
});
