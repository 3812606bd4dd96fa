/**
 * Test-only SQL statement counter (SNAPSHOTPLOT_COUNT_STATEMENTS=1): every statement kysely runs
 * (BEGIN and COMMIT included) is counted against the HTTP request whose async context ran it,
 * and the server prints `statements <METHOD> <path> <n> <data>` on stderr when the answer is
 * sent (test/statement-count.test.ts): `n` is every statement, `data` leaves out transaction
 * control (BEGIN, COMMIT, ROLLBACK, savepoints) and PostgreSQL's per-transaction
 * row-level-security setting, the statements that read or write rows. Off (the default), kysely gets no log hook and requests run
 * outside any AsyncLocalStorage: production paths pay nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KyselyConfig } from 'kysely';

const mode = process.env.SNAPSHOTPLOT_COUNT_STATEMENTS;
export const countingStatements = mode === '1' || mode === 'sql';
/** `sql`: also print each statement (`statement <sql>`), to see what a count is made of. */
const printing = mode === 'sql';

const current = new AsyncLocalStorage<{ n: number; data: number }>();

/** Transaction control and the RLS scope setting (store.ts), not counted as data statements. */
const CONTROL =
  /^\s*(begin|commit|rollback|savepoint|release|start transaction|select set_config\('app\.principal_projects')/i;

/** The kysely `log` option counting statements, or nothing when counting is off. */
export function statementLog(): Pick<KyselyConfig, 'log'> {
  if (!countingStatements) return {};
  return {
    log: (event) => {
      if (event.level !== 'query') return;
      const count = current.getStore();
      if (count) {
        count.n++;
        if (!CONTROL.test(event.query.sql)) count.data++;
      }
      if (printing) process.stderr.write(`statement ${event.query.sql.replace(/\s+/g, ' ')}\n`);
    },
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Wraps the request handler to count its statements when counting is on; else `handler`. */
export function countPerRequest(handler: Handler, write: (line: string) => void): Handler {
  if (!countingStatements) return handler;
  return (req, res) => {
    const count = { n: 0, data: 0 };
    const path = (req.url ?? '').split('?')[0];
    res.once('finish', () => write(`statements ${req.method} ${path} ${count.n} ${count.data}\n`));
    current.run(count, () => handler(req, res));
  };
}
