/**
 * The publish request as the server will see it, built from settings and the detected source,
 * and checked against the contract's own schema before any request.
 */
import {
  type Checksums,
  type PublishMetadata,
  type PublishRequest,
  PublishRequestSchema,
} from '@snapshotplot/api-client';
import type { InspectedFile } from '@snapshotplot/core';
import { CliError, EXIT } from '../errors.js';
import type { Source } from '../source.js';

export interface MetadataInput {
  project: string;
  title: string;
  collection?: string;
  author?: string;
  description?: string;
  tags: string[];
  replace?: boolean;
  source: Source;
}

/** Which flag sets each field, so a schema complaint can say what to change. */
const FIELD_FLAGS: Record<string, string> = {
  project_id: '--project',
  title: '--title',
  collection: '--collection',
  author: '--author',
  description: '--description',
  tags: '--tag',
  repo_owner: '--repo',
  repo_name: '--repo',
  commit_sha: '--commit',
  branch: '--branch',
  pr_number: '--pr',
  ci: '(detected CI environment)',
};

/** The metadata part of a publish: everything but artifacts and checksums. */
export function buildMetadata(i: MetadataInput): PublishMetadata {
  const m: PublishMetadata = { project_id: i.project, title: i.title, tags: i.tags };
  if (i.collection) m.collection = i.collection;
  if (i.author) m.author = i.author;
  if (i.description) m.description = i.description;
  if (i.replace) m.replace = true;
  Object.assign(m, i.source);
  return m;
}

/** Checksums of the inspected files, by kind. */
export function checksumsOf(files: { plot?: InspectedFile; code?: InspectedFile }): Checksums {
  const c: Checksums = {};
  if (files.plot) c.plot = files.plot.sha256;
  if (files.code) c.code = files.code.sha256;
  return c;
}

/**
 * The JSON body of `POST /api/snapshots/publish` exactly as the client's publish flow sends
 * it (validated, defaults applied); a usage error names the flag to change.
 */
export function publishBody(
  metadata: PublishMetadata,
  files: { plot?: InspectedFile; code?: InspectedFile },
): PublishRequest {
  const body: PublishRequest = {
    ...metadata,
    artifacts: { plot: !!files.plot, code: !!files.code },
    checksums: checksumsOf(files),
  };
  const parsed = PublishRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  const flag = FIELD_FLAGS[field] ?? field;
  throw new CliError(
    EXIT.usage,
    `Invalid ${field || 'metadata'} for "${metadata.title}": ${issue.message}. Set it with ${flag}.`,
  );
}
