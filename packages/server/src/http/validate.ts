/** Request validation with the contract's zod schemas; failures are 400s naming the field. */
import { IdSchema } from '@snapshotplot/api-client/contract';
import type { z } from 'zod';
import { badRequest } from '../errors.js';

/** Parses `value` with `schema` or throws 400 validation_failed ("title: Too small…"). */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where = 'body',
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({
    path: i.path.join('.') || where,
    message: i.message,
  }));
  const first = issues[0]!;
  throw badRequest(`Invalid ${where}: ${first.path}: ${first.message}.`, { issues });
}

/** A path or body id, checked before it touches SQL or the filesystem. */
export function parseId(value: unknown, name = 'id'): string {
  const r = IdSchema.safeParse(value);
  if (!r.success) {
    throw badRequest(`Invalid ${name}: must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-".`);
  }
  return r.data;
}
