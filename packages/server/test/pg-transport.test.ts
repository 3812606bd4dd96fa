/**
 * The PostgreSQL pool transport (src/data/pg-transport.ts) against a recording client: which
 * statements go out in one write (one round trip) and what the session is known to hold.
 * Row-level security itself is tested on a real PostgreSQL (rls-scope.test.ts).
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { transportPool } from '../src/data/pg-transport.js';

const SET = "select set_config('app.principal_projects', $1, false)";

/** A pg client that answers every query on the next tick and records the writes. */
function recordingPool(fail: (text: string) => boolean = () => false) {
  const writes: string[][] = [];
  let open: string[] | null = null;
  let aborted = false;
  const client = {
    query(text: string, values?: unknown[]) {
      // Queries issued before any answer arrives share one write.
      if (!open) {
        open = [];
        writes.push(open);
        setImmediate(() => {
          open = null;
        });
      }
      open.push(text === SET ? `set ${values?.[0]}` : text);
      return new Promise((resolve, reject) =>
        setImmediate(() => {
          if (text === 'begin') aborted = false;
          if (text === 'commit') {
            const command = aborted ? 'ROLLBACK' : 'COMMIT';
            aborted = false;
            return resolve({ command, rows: [] });
          }
          if (aborted) return reject(new Error('current transaction is aborted'));
          if (fail(text)) {
            aborted = true;
            return reject(new Error(`failed: ${text}`));
          }
          resolve({ command: 'SELECT', rows: [{ text }], rowCount: 1 });
        }),
      );
    },
    release() {},
  };
  const pool = { connect: async () => client, end: async () => {} } as unknown as pg.Pool;
  return { pool, writes };
}

describe('pg transport', () => {
  it('sends a statement outside a transaction in one write, with set_config only when the scope changed', async () => {
    const { pool, writes } = recordingPool();
    let scope = 'proj_a';
    const t = transportPool(pool, () => scope);
    const c = await t.connect();
    const r = await c.query('select 1', []);
    expect(r.rows).toEqual([{ text: 'select 1' }]);
    await c.query('select 2', []);
    scope = '*';
    await c.query('select 3', []);
    expect(writes).toEqual([
      ['begin', 'set proj_a', 'select 1', 'commit'],
      ['select 2'],
      ['begin', 'set *', 'select 3', 'commit'],
    ]);
  });

  it("holds kysely's BEGIN back and sends it with the first statement; an empty transaction sends nothing", async () => {
    const { pool, writes } = recordingPool();
    const t = transportPool(pool, () => 'proj_a');
    const c = await t.connect();
    await c.query('begin', []);
    await c.query('commit', []);
    expect(writes).toEqual([]);
    await c.query('begin', []);
    await c.query('insert 1', []);
    await c.query('insert 2', []);
    await c.query('commit', []);
    // The session now holds proj_a: the next transaction needs no set_config.
    await c.query('begin', []);
    await c.query('select 4', []);
    await c.query('commit', []);
    expect(writes).toEqual([
      ['begin', 'set proj_a', 'insert 1'],
      ['insert 2'],
      ['commit'],
      ['begin', 'select 4'],
      ['commit'],
    ]);
  });

  it('a failed set_config fails the statement, and the setting is sent again next time', async () => {
    let failing = true;
    const { pool, writes } = recordingPool((text) => failing && text === SET);
    const t = transportPool(pool, () => 'proj_a');
    const c = await t.connect();
    await expect(c.query('select 1', [])).rejects.toThrow(/failed: select set_config/);
    failing = false;
    await c.query('select 2', []);
    expect(writes).toEqual([
      ['begin', 'set proj_a', 'select 1', 'commit'],
      ['begin', 'set proj_a', 'select 2', 'commit'],
    ]);
  });

  it('a rolled-back transaction leaves the session at its earlier setting', async () => {
    const { pool, writes } = recordingPool();
    let scope = 'proj_a';
    const t = transportPool(pool, () => scope);
    const c = await t.connect();
    await c.query('select 1', []);
    scope = 'proj_b';
    await c.query('begin', []);
    await c.query('update 1', []);
    await c.query('rollback', []);
    scope = 'proj_a';
    await c.query('select 2', []);
    scope = 'proj_b';
    await c.query('select 3', []);
    expect(writes).toEqual([
      ['begin', 'set proj_a', 'select 1', 'commit'],
      ['begin', 'set proj_b', 'update 1'],
      ['rollback'],
      ['select 2'],
      ['begin', 'set proj_b', 'select 3', 'commit'],
    ]);
  });

  it('corks the socket around a batch, so its statements leave in one writev', async () => {
    // pg corks around each query's own messages; the transport corks around the batch.
    let depth = 0;
    const flushes: string[][] = [];
    let pending: string[] = [];
    const stream = {
      cork: () => {
        depth++;
      },
      uncork: () => {
        depth--;
        if (depth === 0 && pending.length) {
          flushes.push(pending);
          pending = [];
        }
      },
    };
    const client = {
      connection: { stream },
      query(text: string) {
        stream.cork();
        pending.push(text === SET ? 'set' : text);
        stream.uncork();
        return new Promise((resolve) =>
          setImmediate(() =>
            resolve({ command: text === 'commit' ? 'COMMIT' : 'SELECT', rows: [] }),
          ),
        );
      },
      release() {},
    };
    const pool = { connect: async () => client, end: async () => {} } as unknown as pg.Pool;
    const c = await transportPool(pool, () => 'proj_a').connect();
    await c.query('select 1', []);
    await c.query('begin', []);
    await c.query('insert 1', []);
    await c.query('commit', []);
    expect(flushes).toEqual([
      ['begin', 'set', 'select 1', 'commit'],
      ['begin', 'insert 1'],
      ['commit'],
    ]);
    expect(depth).toBe(0);
  });
});
