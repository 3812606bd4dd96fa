/**
 * The answer side of the contract, checked while tests run (`checkResponses`; off in
 * production, where it would only cost time): a status the entry does not declare, or a JSON
 * body its schema refuses, is logged at error and answered 500 instead, so the suite fails on
 * any drift between what contract.ts promises and what a handler sends.
 */
import type { Endpoint } from '@snapshotplot/api-client/contract';
import type { Request, Response } from 'express';
import { errorBody } from './error-middleware.js';

/** What is wrong with answering `status` + `body` for `entry`, or null when it is declared. */
export function responseProblem(entry: Endpoint, status: number, body?: unknown): string | null {
  if (!(status in entry.responses)) {
    return `status ${status} is not declared (declared: ${Object.keys(entry.responses).join(', ')})`;
  }
  const schema = entry.responses[status];
  if (body === undefined || !schema) return null;
  const r = schema.safeParse(body);
  if (r.success) return null;
  const issue = r.error.issues[0]!;
  return `the ${status} body does not match its schema: ${issue.path.join('.') || 'body'}: ${issue.message}`;
}

/** Wraps `res` so every answer of this request is checked against `entry`. */
export function checkResponse(entry: Endpoint, req: Request, res: Response): void {
  let failed = false;
  const fail = (problem: string) => {
    failed = true;
    const where = `${entry.method} ${entry.path}`;
    req.log?.error({ problem, route: where }, 'response does not match the contract');
    // Loud on stderr too: test harnesses run with silent logs.
    console.error(`response check: ${req.method} ${req.originalUrl} (${where}): ${problem}`);
  };
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const problem = failed ? null : responseProblem(entry, res.statusCode, body);
    if (!problem) return json(body);
    fail(problem);
    res.status(500);
    return json(errorBody('internal_error', `Response check failed: ${problem}.`));
  };
  // Bodies that are not JSON (artifact bytes, the event stream, 304s) are checked by status.
  const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => Response;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const problem = failed ? null : responseProblem(entry, status);
    if (!problem) return writeHead(status, ...rest);
    fail(problem);
    return writeHead(500, ...rest);
  }) as Response['writeHead'];
}
