/** `snapshotplot show SNAPSHOT_ID`: one snapshot's fields, or its JSON. */
import { IdSchema, type Snapshot, type StoredArtifact } from '@snapshotplot/api-client';
import type { ConfigFlags } from '../config.js';
import { CliError, type ErrorContext, EXIT } from '../errors.js';
import type { CliIo } from '../io.js';
import { formatBytes } from '../output/format.js';
import { formatFields } from '../output/table.js';
import { snapshotUrl } from '../publish/output.js';
import { readClient } from './client.js';

export interface ShowOptions extends ConfigFlags {
  json?: boolean;
}

function fileLine(f: StoredArtifact | null) {
  return f
    ? `${f.content_type}, ${formatBytes(f.size)}, sha256 ${f.sha256.slice(0, 12)}…`
    : undefined;
}

/** The fields people look for, in reading order. */
export function describeSnapshot(s: Snapshot, apiUrl: string): string {
  const repo = s.repo_name ? [s.repo_owner, s.repo_name].filter(Boolean).join('/') : undefined;
  return formatFields([
    ['Snapshot', s.id],
    ['Title', s.title],
    ['Status', s.status],
    ['Project', s.project_id],
    ['Collection', s.collection],
    ['Author', s.author],
    ['Description', s.description],
    ['Tags', s.tags.join(', ')],
    ['Repository', repo],
    ['Commit', s.commit_sha],
    ['Branch', s.branch],
    ['Pull request', s.pr_number ? `#${s.pr_number}` : undefined],
    [
      'CI',
      s.ci
        ? [
            s.ci.provider,
            s.ci.workflow,
            s.ci.event,
            s.ci.run_id && `run ${s.ci.run_id}`,
            s.ci.run_attempt && `attempt ${s.ci.run_attempt}`,
          ]
            .filter(Boolean)
            .join(', ')
        : undefined,
    ],
    ['CI job', s.ci?.job_url],
    ['Plot', fileLine(s.files.plot)],
    ['Plot URL', s.plot_url],
    ['Code', fileLine(s.files.code)],
    ['Code URL', s.code_url],
    ['Supersedes', s.supersedes],
    ['Created', s.created_at],
    ['Finalized', s.finalized_at],
    ['URL', snapshotUrl(s, apiUrl)],
  ]);
}

export async function runShow(
  id: string,
  opts: ShowOptions,
  io: CliIo,
  ctx: ErrorContext,
): Promise<void> {
  if (!IdSchema.safeParse(id).success) {
    throw new CliError(
      EXIT.usage,
      `Invalid snapshot id "${id}": ids look like snap_01JD4Q8Z3K9XW7 (see snapshotplot list).`,
    );
  }
  const { client, apiUrl } = await readClient(opts, io, ctx);
  const snapshot = await client.getSnapshot(id);
  io.stdout.write(
    opts.json ? `${JSON.stringify(snapshot)}\n` : `${describeSnapshot(snapshot, apiUrl)}\n`,
  );
}
