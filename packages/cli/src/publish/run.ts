/**
 * `snapshotplot publish`: plan and check everything locally, then publish each snapshot
 * through the client's publish flow (publish -> upload -> finalize), drawing its progress.
 */

import { basename } from 'node:path';
import { gitRunner, publishSnapshot } from '@snapshotplot/core';
import { clientFor } from '../client-for.js';
import { type ConfigFlags, required, resolveConfig } from '../config.js';
import { BatchError, type ErrorContext } from '../errors.js';
import { type CliIo, isInteractive } from '../io.js';
import { formatBytes } from '../output/format.js';
import { createReporter } from '../output/progress.js';
import { resolveSource, type SourceFlags } from '../source.js';
import { buildMetadata, publishBody } from './metadata.js';
import {
  describeSource,
  dryRunPreview,
  type PublishResult,
  publishResult,
  resultLine,
} from './output.js';
import { type PlanOptions, planPublish } from './plan.js';
import { runPool } from './pool.js';

export interface PublishOptions extends PlanOptions, SourceFlags, ConfigFlags {
  description?: string;
  tag?: string[];
  replace?: boolean;
  concurrency: number;
  json?: boolean;
  dryRun?: boolean;
}

/** Runs publish; throws on failure (main.ts turns that into the exit code). */
export async function runPublish(
  opts: PublishOptions,
  io: CliIo,
  ctx: ErrorContext,
): Promise<void> {
  const config = resolveConfig(opts, io.env);
  const project = required(config, 'project');
  ctx.project = project;
  ctx.apiUrl = config.apiUrl;
  // git runs while the files are hashed (for a 100 MiB plot both take ~100 ms); a bad input
  // file is still the error reported first.
  const sourcing = resolveSource(opts, { env: io.env, io, git: gitRunner(io.cwd, io.env) });
  sourcing.catch(() => {}); // awaited below unless planning failed first
  const plan = await planPublish(opts, io.cwd);
  const source = await sourcing;
  const tags = (opts.tag ?? [])
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  const prepared = plan.map((item) => {
    const metadata = buildMetadata({
      ...config,
      project,
      title: item.title,
      description: opts.description,
      tags,
      replace: opts.replace,
      source,
    });
    return { ...item, metadata, body: publishBody(metadata, item.files) };
  });

  if (opts.dryRun) {
    const previews = prepared.map((p) => dryRunPreview(p.metadata, p.body, p.files, config.apiUrl));
    io.stdout.write(`${JSON.stringify(opts.dir ? previews : previews[0], null, 2)}\n`);
    return;
  }

  const apiUrl = required(config, 'apiUrl');
  const reporter = createReporter(io, isInteractive(io));
  // Retry lines go through the reporter, so on a terminal they land above the live bars.
  const client = await clientFor(config, io, (line) => reporter.info(line));
  const first = prepared[0]!;
  reporter.info(
    opts.dir
      ? `Publishing ${prepared.length} snapshots from ${opts.dir} to ${project} at ${apiUrl} (${describeSource(first.metadata)})`
      : `Publishing "${first.title}" to ${project} at ${apiUrl} (${describeSource(first.metadata)})`,
  );

  const outcomes = await runPool(prepared, opts.dir ? opts.concurrency : 1, async (p) => {
    // No upload phase means the server already had this snapshot complete (a re-run).
    let uploaded = false;
    const { snapshot } = await publishSnapshot(client, {
      metadata: p.metadata,
      // Inspected (read and hashed) once by the plan; the flow only streams them up.
      inspected: p.inspected,
      onProgress: (e) => {
        if (e.type === 'phase') uploaded ||= e.phase === 'uploading';
        if (e.type !== 'upload') return;
        const file = p.files[e.kind];
        const label = `${opts.dir ? `${p.title}: ` : ''}${e.kind} ${file ? basename(file.path) : ''}`;
        reporter.upload(`${p.title}\0${e.kind}`, label, e.sent, e.total);
      },
    });
    // Batch runs can be long: say each one as it lands; the result lines follow on stdout.
    if (opts.dir) {
      reporter.info(
        `  ${p.title}: ${uploaded ? 'published' : 'already published'} (${snapshot.id})`,
      );
    }
    return publishResult(snapshot, uploaded, apiUrl);
  });
  reporter.close();

  const results = outcomes.map((o, i) => {
    if (o.ok) return o.value;
    const p = prepared[i]!;
    const error =
      'skipped' in o
        ? {
            code: 'not_attempted',
            message: 'Not started after an earlier failure; run the command again.',
          }
        : { code: errorCode(o.error), message: messageOf(o.error) };
    return { title: p.title, plot: p.files.plot?.path ?? null, error };
  });
  const ok = results.filter((r): r is PublishResult => 'snapshot_id' in r);
  if (!opts.json) {
    for (const r of ok) io.stdout.write(`${resultLine(r)}\n`);
  } else if (opts.dir) {
    // Every entry, failed ones too, so a script sees what did get published.
    io.stdout.write(`${JSON.stringify(results)}\n`);
  } else if (ok[0]) {
    // A failed single publish prints nothing on stdout: the exit code and stderr say it.
    io.stdout.write(`${JSON.stringify(ok[0])}\n`);
  }
  if (opts.dir) {
    const fresh = ok.filter((r) => r.uploaded).length;
    const bytes = prepared.reduce(
      (n, p) => n + (p.files.plot?.size ?? 0) + (p.files.code?.size ?? 0),
      0,
    );
    reporter.info(
      `${ok.length} of ${prepared.length} published (${fresh} uploaded, ${ok.length - fresh} already there; ${formatBytes(bytes)} of files)`,
    );
  }

  const failures = outcomes.flatMap((o, i) =>
    !o.ok && 'error' in o ? [{ label: prepared[i]!.title, error: o.error }] : [],
  );
  if (failures.length === 0) return;
  if (!opts.dir) throw failures[0]!.error;
  throw new BatchError(failures, prepared.length);
}

/** The failure's code for --json: an API error's as the server sent it (also an unknown one). */
function errorCode(err: unknown): string {
  const e = err as { code?: unknown; serverCode?: unknown } | undefined;
  const code = e?.serverCode ?? e?.code;
  return typeof code === 'string' ? code : 'error';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
