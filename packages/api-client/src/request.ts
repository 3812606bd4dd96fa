/**
 * A call to one contract entry: the method, the path (params filled), the query and the answers
 * to expect all come from the entry, so a change to the contract reaches every client method
 * and none of them restates a path or a status.
 */
import { z } from 'zod';
import type { Endpoint } from './contract.js';
import {
  pathFor,
  queryFor,
  responseSchema,
  type SuccessBody,
  successStatuses,
} from './endpoint.js';
import { type CallResult, type CallSpec, call, type TransportConfig } from './transport.js';

export interface EntryCall {
  /** Values for the entry's `:name` path segments. */
  params?: Record<string, string>;
  /** Serialised by the entry's query schema keys. */
  query?: object;
  /** A JSON body, sent as application/json. */
  json?: unknown;
  /** Any other body, built afresh for each attempt (multipart, a file stream). */
  body?: CallSpec<unknown>['body'];
  headers?: Record<string, string>;
  timeout?: CallSpec<unknown>['timeout'];
  /** Where to send it instead of baseUrl + path: an upload URL the server handed out. */
  url?: string;
  /** Take an empty body for each declared success too (a presigned PUT, a bare DELETE). */
  allowEmpty?: boolean;
  /** Answers the client takes beyond the entry's own; each one says why where it is used. */
  extra?: Readonly<Record<number, z.ZodType>>;
}

/** The declared 2xx answers of an entry as the schemas the transport parses them with. */
export function successSchemas<E extends Endpoint>(
  entry: E,
  o: Pick<EntryCall, 'allowEmpty' | 'extra'> = {},
): Record<number, z.ZodType<SuccessBody<E>>> {
  const out: Record<number, z.ZodType> = {};
  for (const status of successStatuses(entry)) {
    const schema = responseSchema(entry, status)!;
    out[status] = o.allowEmpty ? schema.or(z.undefined()) : schema;
  }
  return { ...out, ...o.extra } as Record<number, z.ZodType<SuccessBody<E>>>;
}

/** Calls `entry` on the API at `baseUrl` through the retrying transport. */
export function callEntry<E extends Endpoint>(
  config: TransportConfig,
  baseUrl: string,
  entry: E,
  o: EntryCall = {},
): Promise<CallResult<SuccessBody<E>>> {
  const url =
    o.url ?? `${baseUrl}${pathFor(entry as Endpoint, o.params)}${queryFor(entry, o.query)}`;
  const json = o.json;
  const body: CallSpec<unknown>['body'] = json === undefined ? o.body : () => JSON.stringify(json);
  const headers = {
    ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    ...o.headers,
  };
  return call(config, {
    method: entry.method,
    url,
    // Upload URLs carry their own token; the bearer token goes to the API only.
    auth: entry.auth === 'bearer',
    responses: successSchemas(entry, o),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(body ? { body } : {}),
    ...(o.timeout ? { timeout: o.timeout } : {}),
  });
}
