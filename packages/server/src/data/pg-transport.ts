/**
 * The pool kysely talks to on PostgreSQL, with fewer round trips (issue 16). Row-level
 * security reads `app.principal_projects`; it used to be set by its own statement inside a
 * transaction around every store call (BEGIN, set_config, query, COMMIT: four round trips for
 * one read). Here each pooled connection remembers the value its session holds and the
 * connections run in pg's pipeline mode:
 * - a statement outside a transaction whose scope the session already holds is sent as it is;
 *   one whose scope differs goes out as BEGIN, set_config, the statement, COMMIT in one write
 *   (one round trip). If set_config failed the statement would fail with it (same
 *   transaction), so no statement ever runs under another request's scope;
 * - kysely's BEGIN is held back and sent with the transaction's first statement (and the
 *   set_config when needed); a transaction that ran nothing sends nothing.
 * A set_config inside a transaction that rolls back is undone by PostgreSQL, so the remembered
 * value only changes when a COMMIT succeeded.
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

type Result = pg.QueryResult;

interface Session {
  /** The app.principal_projects value committed in this session; undefined when not known. */
  holds: string | undefined;
  tx: 'none' | 'deferred' | 'open';
  /** The value set inside the open transaction, committed with it. */
  setting: string | undefined;
}

const SET = "select set_config('app.principal_projects', $1, false)";

const fake = (command: string): Result =>
  ({ command, rowCount: null, rows: [], fields: [], oid: 0 }) as unknown as Result;

/** The client kysely's PostgresDialect uses: query + release. */
interface TransportClient {
  query(text: string, values?: readonly unknown[]): Promise<Result>;
  release(destroy?: boolean): void;
}

/** The socket under a pg client (pg's Connection keeps it as `stream`). */
type Corkable = { connection?: { stream?: { cork?(): void; uncork?(): void } } };

/**
 * Sends the queries in one write (pipeline mode) and answers with the result at `pick`. pg
 * corks the socket around each query's messages; corked around them all, the batch leaves in
 * one writev instead of one per query (a loopback write and the backend's wake-up each).
 */
async function pipelined(
  client: pg.PoolClient,
  queries: Array<[string, (readonly unknown[])?]>,
  pick: number,
): Promise<Result> {
  const stream = (client as unknown as Corkable).connection?.stream;
  stream?.cork?.();
  let sent: Array<Promise<Result>>;
  try {
    sent = queries.map(([text, values]) => client.query(text, values as unknown[]));
  } finally {
    stream?.uncork?.();
  }
  const settled = await Promise.allSettled(sent);
  // The first failure is the cause; later ones only say "current transaction is aborted".
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const last = settled[settled.length - 1] as PromiseFulfilledResult<Result>;
  // COMMIT of a transaction that failed is answered ROLLBACK without an error.
  if (queries[queries.length - 1]![0] === 'commit' && last.value.command === 'ROLLBACK') {
    throw new Error('the statement was rolled back');
  }
  return (settled[pick] as PromiseFulfilledResult<Result>).value;
}

function transportClient(
  client: pg.PoolClient,
  s: Session,
  setting: () => string,
): TransportClient {
  return {
    release: (destroy) => client.release(destroy),
    async query(text, values) {
      const want = setting();
      if (s.tx === 'none') {
        if (text === 'begin') {
          s.tx = 'deferred';
          s.setting = undefined;
          return fake('BEGIN');
        }
        // kysely's form with an isolation level or access mode: sent as it is, setting after it.
        if (/^start transaction\b/i.test(text)) {
          s.tx = 'open';
          s.setting = undefined;
          if (s.holds === want) return client.query(text);
          s.setting = want;
          return pipelined(client, [[text], [SET, [want]]], 0);
        }
        if (s.holds === want) return client.query(text, values as unknown[]);
        try {
          const r = await pipelined(
            client,
            [['begin'], [SET, [want]], [text, values], ['commit']],
            2,
          );
          s.holds = want;
          return r;
        } catch (error) {
          s.holds = undefined;
          throw error;
        }
      }
      if (s.tx === 'deferred') {
        if (text === 'commit' || text === 'rollback') {
          s.tx = 'none';
          return fake(text.toUpperCase());
        }
        s.tx = 'open';
        if (s.holds === want) return pipelined(client, [['begin'], [text, values]], 1);
        s.setting = want;
        return pipelined(client, [['begin'], [SET, [want]], [text, values]], 2);
      }
      if (text === 'commit' || text === 'rollback') {
        s.tx = 'none';
        try {
          const r = await client.query(text);
          if (r.command === 'COMMIT' && s.setting !== undefined) s.holds = s.setting;
          return r;
        } catch (error) {
          s.holds = undefined;
          throw error;
        }
      }
      return client.query(text, values as unknown[]);
    },
  };
}

/**
 * Wraps a pg Pool (made with `pipeline: true`) for kysely's PostgresDialect; `setting` gives
 * the current request's app.principal_projects value (Scope.setting).
 */
export function transportPool(pool: pg.Pool, setting: () => string): PostgresPool {
  const sessions = new WeakMap<pg.PoolClient, Session>();
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let s = sessions.get(client);
      if (!s) {
        s = { holds: undefined, tx: 'none', setting: undefined };
        sessions.set(client, s);
      }
      // A client given back in the middle of a transaction (an error path) starts clean.
      if (s.tx !== 'none') {
        s.tx = 'none';
        s.holds = undefined;
      }
      // kysely streams through a cursor only when given one (it is not): query + release suffice.
      return transportClient(client, s, setting) as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
