/**
 * A contract entry turned into a request and read back from a response: the path with its
 * `:params` filled, the query from the entry's query schema, the response schema per status.
 * Pure (no transport), so the server and the msw fakes read the table the way the client does.
 */
import { z } from 'zod';
import { type Contract, contract, type Endpoint } from './contract.js';

export type EndpointName = keyof Contract;

/** The `:name` segments of a path: `'/api/snapshots/:id'` -> `'id'`. */
export type PathParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** The values `pathFor` needs for an entry, one per `:name` segment. */
export type PathParams<E extends Pick<Endpoint, 'path'>> = Record<
  PathParamNames<E['path']>,
  string
>;

/** Statuses a client reads as an answer (the rest are errors). */
export type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206;

/** The body type of an entry's declared 2xx responses (`unknown` for a non-JSON one). */
export type SuccessBody<E extends Pick<Endpoint, 'responses'>> = {
  [S in keyof E['responses'] & SuccessStatus]: E['responses'][S] extends z.ZodType
    ? z.output<E['responses'][S]>
    : unknown;
}[keyof E['responses'] & SuccessStatus];

/** Every entry of the contract with its name, read when called (so a test may edit the table). */
export function entries(): Array<[EndpointName, Endpoint]> {
  return Object.entries(contract) as Array<[EndpointName, Endpoint]>;
}

/** The `:name` segments of `path`, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/**
 * The entry's path with each `:name` segment replaced by its value, URI-encoded. A missing value
 * is a bug in the caller, not a request to make: it throws rather than send `/api/snapshots/`.
 */
export function pathFor<E extends Pick<Endpoint, 'path'>>(
  entry: E,
  ...[params]: string extends E['path']
    ? [params?: Record<string, string>]
    : [PathParamNames<E['path']>] extends [never]
      ? [params?: undefined]
      : [params: PathParams<E>]
): string {
  const values = (params ?? {}) as Record<string, string | undefined>;
  return entry.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_segment, name: string) => {
    const value = values[name];
    if (value === undefined || value === null) {
      throw new TypeError(`${entry.path} needs a value for :${name}`);
    }
    return encodeURIComponent(String(value));
  });
}

/** The keys an entry's query schema declares, in its order; none without a query schema. */
export function queryKeys(entry: Pick<Endpoint, 'query'>): string[] {
  if (!entry.query) return [];
  if (!(entry.query instanceof z.ZodObject)) {
    throw new TypeError('a contract query schema must be a z.object of its parameters');
  }
  return Object.keys(entry.query.shape);
}

/**
 * `?a=1&b=2` for the values of `query` that the entry's query schema declares, in the schema's
 * order; undefined and null values are left out, and '' when nothing is left.
 */
export function queryFor(entry: Pick<Endpoint, 'query'>, query: object = {}): string {
  const values = query as Record<string, unknown>;
  const params = new URLSearchParams();
  for (const key of queryKeys(entry)) {
    const value = values[key];
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  return params.size ? `?${params}` : '';
}

/** The statuses an entry declares, ascending. */
export function declaredStatuses(entry: Pick<Endpoint, 'responses'>): number[] {
  return Object.keys(entry.responses)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The declared 2xx statuses of an entry, ascending. */
export function successStatuses(entry: Pick<Endpoint, 'responses'>): number[] {
  return declaredStatuses(entry).filter((s) => s >= 200 && s < 300);
}

/**
 * The schema of the answer with `status`: the entry's own, `z.unknown()` for a declared
 * non-JSON answer (null in the table), undefined when the entry does not declare the status.
 */
export function responseSchema(
  entry: Pick<Endpoint, 'responses'>,
  status: number,
): z.ZodType | undefined {
  if (!Object.hasOwn(entry.responses, status)) return undefined;
  return entry.responses[status] ?? z.unknown();
}
