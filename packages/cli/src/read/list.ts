/** `snapshotplot list`: a project's snapshots, newest first, as a table or JSON. */
import type { ListSnapshotsQuery, Snapshot } from '@snapshotplot/api-client';
import { type ConfigFlags, required } from '../config.js';
import type { ErrorContext } from '../errors.js';
import type { CliIo } from '../io.js';
import { formatTable, truncate } from '../output/table.js';
import { readClient } from './client.js';

export interface ListOptions extends ConfigFlags {
  collection?: string;
  branch?: string;
  commit?: string;
  pr?: number;
  tag?: string;
  status?: 'pending' | 'ready';
  limit: number;
  json?: boolean;
}

const PAGE = 100;

/** Fetches up to `limit` snapshots, following cursors past the server's page size. */
export async function runList(opts: ListOptions, io: CliIo, ctx: ErrorContext): Promise<void> {
  const { client, config } = await readClient(opts, io, ctx);
  const project = required(config, 'project');
  const query: ListSnapshotsQuery = {};
  if (opts.collection ?? config.collection) query.collection = opts.collection ?? config.collection;
  if (opts.branch) query.branch = opts.branch;
  if (opts.commit) query.commit_sha = opts.commit;
  if (opts.pr) query.pr_number = opts.pr;
  if (opts.tag) query.tag = opts.tag;
  if (opts.status) query.status = opts.status;

  const data: Snapshot[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await client.listSnapshots(project, {
      ...query,
      limit: Math.min(PAGE, opts.limit - data.length),
      ...(cursor ? { cursor } : {}),
    });
    data.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && data.length < opts.limit);

  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ data, next_cursor: cursor ?? null })}\n`);
    return;
  }
  if (data.length === 0) {
    io.stderr.write(
      `No snapshots in ${project}${Object.keys(query).length ? ' match these filters' : ''}.\n`,
    );
    return;
  }
  const rows = data.map((s) => [
    s.id,
    truncate(s.title, 40),
    s.collection ?? '-',
    truncate(s.branch ?? '-', 30),
    s.commit_sha?.slice(0, 7) ?? '-',
    s.pr_number ? `#${s.pr_number}` : '-',
    s.status,
    s.created_at.replace('T', ' ').slice(0, 16),
  ]);
  io.stdout.write(
    `${formatTable(['ID', 'TITLE', 'COLLECTION', 'BRANCH', 'COMMIT', 'PR', 'STATUS', 'CREATED (UTC)'], rows)}\n`,
  );
  if (cursor)
    io.stderr.write(`More snapshots exist: raise --limit (now ${opts.limit}) to see them.\n`);
}
