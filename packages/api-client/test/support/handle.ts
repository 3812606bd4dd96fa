/**
 * msw handlers built from contract entries: the method and path come from the entry (msw
 * matches the same `:param` syntax), so a fake answers wherever the contract says an endpoint
 * is, and moving an endpoint in the contract moves every fake with it.
 */
import { type Endpoint, pathFor } from '@snapshotplot/api-client';
import {
  type DefaultBodyType,
  type HttpHandler,
  type HttpResponseResolver,
  http,
  type PathParams,
} from 'msw';
import { BASE } from './fixtures.js';

export interface HandleOptions {
  /** Default: the fixtures' BASE. */
  baseUrl?: string;
  /** Path segments to match exactly (`{ id: 'snap_1' }`); the others match any value. */
  params?: Record<string, string>;
}

/** The entry's path with the given params filled in and the others left as `:name`. */
export function routeFor(entry: Pick<Endpoint, 'path'>, params: Record<string, string> = {}) {
  return entry.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (segment, name: string) =>
    params[name] === undefined ? segment : encodeURIComponent(params[name]),
  );
}

/** An msw handler for `entry` at `baseUrl`: `http[method](baseUrl + path, resolver)`. */
export function handle<
  Params extends PathParams<keyof Params> = PathParams,
  RequestBody extends DefaultBodyType = DefaultBodyType,
  ResponseBody extends DefaultBodyType = DefaultBodyType,
>(
  entry: Pick<Endpoint, 'method' | 'path'>,
  resolver: HttpResponseResolver<Params, RequestBody, ResponseBody>,
  o: HandleOptions = {},
): HttpHandler {
  const method = entry.method.toLowerCase() as Lowercase<Endpoint['method']>;
  return http[method]<Params, RequestBody, ResponseBody>(
    `${o.baseUrl ?? BASE}${routeFor(entry, o.params)}`,
    resolver,
  );
}

/** `POST /api/snapshots/finalize`: what a recorded request line of `entry` looks like. */
export function requestLine<E extends Pick<Endpoint, 'method' | 'path'>>(
  entry: E,
  params?: Record<string, string>,
): string {
  return `${entry.method} ${pathFor(entry as Pick<Endpoint, 'path'>, params)}`;
}
