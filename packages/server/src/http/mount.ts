/**
 * Routes from the contract: `mount(router, entry, handler)` registers the entry's method and
 * path, authenticates bearer endpoints, parses the path's ids, the query and the JSON body
 * with the entry's schemas, and hands the handler typed values. So a path, a method or a
 * body schema exists only in api-client's contract.ts. With `checkResponses` (the test
 * harnesses) every answer's status must be one the entry declares and a JSON body must parse
 * with its schema; a mismatch is logged and becomes a 500, so a contract change that the
 * server does not follow fails a test instead of shipping.
 */
import {
  ARTIFACT_KINDS,
  type ArtifactKind,
  type Endpoint,
} from '@snapshotplot/api-client/contract';
import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { notFound } from '../errors.js';
import { principalOf } from './auth-helpers.js';
import type { AppContext } from './context.js';
import { jsonBody } from './json-body.js';
import { checkResponse } from './response-check.js';
import { parseId, parseWith } from './validate.js';

/** `'/a/:id/:kind'` → `'id' | 'kind'`. */
type ParamNames<P extends string> = P extends `${string}:${infer N}/${infer Rest}`
  ? N | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? N
    : never;

type Params<P extends string> = { [K in ParamNames<P>]: K extends 'kind' ? ArtifactKind : string };
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;
/** A JSON body is parsed for the handler; multipart and raw bodies are its to stream. */
type Body<E extends Endpoint> = E extends { bodyContentTypes: readonly string[] }
  ? undefined
  : Parsed<E['body']>;

export interface Input<E extends Endpoint> {
  params: Params<E['path']>;
  query: Parsed<E['query']>;
  body: Body<E>;
  /** The authenticated caller of a bearer endpoint (others authenticate themselves). */
  principal: E['auth'] extends 'bearer' ? Principal : undefined;
  req: Request;
  res: Response;
}

export interface MountOptions {
  /** How a path id is named in its 400 message (default: the parameter's name). */
  names?: Record<string, string>;
  /** Leave the query to the handler (a credential in it has its own 401/403 answers). */
  rawQuery?: boolean;
}

export type Mount = <E extends Endpoint>(
  router: Router,
  entry: E,
  handler: (input: Input<E>) => Promise<void>,
  options?: MountOptions,
) => void;

/** What has been mounted on a router, as contract entries (the contract-routes test reads it). */
const mountedOn = new WeakMap<Router, Endpoint[]>();

/** The entries mounted on `router`, in mount order. */
export const mountedEntries = (router: Router): readonly Endpoint[] => mountedOn.get(router) ?? [];

function parseParams(entry: Endpoint, req: Request, o: MountOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, name] of entry.path.matchAll(/:([a-z_]+)/g)) {
    const value = (req.params as Record<string, string>)[name!] ?? '';
    if (name === 'kind') {
      // An unknown kind is no such resource, not a malformed id.
      if (!(ARTIFACT_KINDS as readonly string[]).includes(value))
        throw notFound(`Unknown artifact kind "${value}": use plot or code.`);
      out[name] = value;
    } else {
      out[name!] = parseId(value, o.names?.[name!] ?? name);
    }
  }
  return out;
}

const isMultipart = (e: Endpoint) => e.bodyContentTypes?.includes('multipart/form-data') ?? false;

/** A `mount` bound to a server's context (authentication and the response check need it). */
export function mountFor(ctx: AppContext): Mount {
  const json = jsonBody();
  return (router, entry, handler, options = {}) => {
    const list = mountedOn.get(router) ?? [];
    list.push(entry);
    mountedOn.set(router, list);
    const run: RequestHandler = async (req, res, next) => {
      // Two entries share POST /api/snapshots/publish: the multipart one takes only multipart.
      if (isMultipart(entry) && !req.is('multipart/form-data')) return next('route');
      if (ctx.checkResponses) checkResponse(entry, req, res);
      const principal = entry.auth === 'bearer' ? await principalOf(ctx, req, res) : undefined;
      const params = parseParams(entry, req, options);
      const query =
        entry.query && !options.rawQuery
          ? parseWith(entry.query, { ...req.query }, 'query')
          : undefined;
      let body: unknown;
      if (entry.body && !entry.bodyContentTypes) {
        await new Promise<void>((resolve, reject) =>
          json(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
        );
        body = parseWith(entry.body, req.body);
      }
      await handler({ params, query, body, principal, req, res } as never);
    };
    const method = entry.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
    router[method](entry.path, run);
  };
}
