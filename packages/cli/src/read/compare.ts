/**
 * `snapshotplot compare`: the head commit's plots against their baselines, as the review table
 * or the Comparison JSON. The base ref becomes the merge base with `git merge-base`; without one
 * (a shallow clone, an unknown ref with --head given) the server falls back to the base branch.
 */
import { ApiError, type Comparison } from '@snapshotplot/api-client';
import { comparisonText, gitRunner, type RunGit, shouldFail } from '@snapshotplot/core';
import { type ConfigFlags, required } from '../config.js';
import { CliError, type ErrorContext, EXIT } from '../errors.js';
import type { CliIo } from '../io.js';
import { readClient } from './client.js';

export interface CompareOptions extends ConfigFlags {
  base: string;
  head?: string;
  baseBranch?: string;
  pr?: number;
  json?: boolean;
  failOnChange?: boolean;
  /** Commander's --no-complete: false to only read. */
  complete?: boolean;
}

const SHA = /^[0-9a-f]{7,64}$/i;

/**
 * The branch a base ref names: "origin/main" → "main" (when origin is a remote),
 * "refs/heads/dev" → "dev", "feature/x" stays; undefined for a commit id.
 */
export async function branchOfRef(git: RunGit, ref: string): Promise<string | undefined> {
  if (SHA.test(ref)) return undefined;
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  const short = ref.replace(/^refs\/remotes\//, '');
  const slash = short.indexOf('/');
  if (slash > 0) {
    const remotes = (await git(['remote']))?.split('\n') ?? [];
    if (remotes.includes(short.slice(0, slash))) return short.slice(slash + 1);
  }
  return short;
}

export async function runCompare(
  opts: CompareOptions,
  io: CliIo,
  ctx: ErrorContext,
): Promise<void> {
  const git = gitRunner(io.cwd, io.env);
  let head = opts.head?.trim();
  if (head !== undefined && !SHA.test(head)) {
    throw new CliError(
      EXIT.usage,
      `--head "${opts.head}" is not a commit id: give the full or abbreviated sha (git rev-parse HEAD).`,
    );
  }
  if (head === undefined) {
    head = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    if (!head) {
      throw new CliError(
        EXIT.usage,
        `No HEAD commit in ${io.cwd}: run compare inside the git repository the plots were published from, or give --head SHA.`,
      );
    }
  }
  const pr = opts.pr;
  const baseRef = opts.base.trim();
  if (baseRef === '' || baseRef.startsWith('-')) {
    throw new CliError(
      EXIT.usage,
      `--base "${opts.base}" is not a git ref: give a branch or commit, e.g. origin/main.`,
    );
  }
  const base = await git(['merge-base', baseRef, head]);
  if (!base) {
    const known = await git(['rev-parse', '--verify', '--quiet', `${baseRef}^{commit}`]);
    if (!known && !opts.head) {
      throw new CliError(
        EXIT.usage,
        `git does not know the base "${baseRef}": fetch it first (git fetch origin ${(await branchOfRef(git, baseRef)) ?? baseRef}) or give another --base.`,
      );
    }
    io.stderr.write(
      `warning: no merge base of ${baseRef} and ${head.slice(0, 12)} in this clone (shallow, or the head is not here); baselines come from the base branch.\n`,
    );
  }
  const baseBranch = opts.baseBranch?.trim() || (await branchOfRef(git, baseRef));

  const { client, config } = await readClient(opts, io, ctx);
  const project = required(config, 'project');
  const target = {
    head,
    ...(base ? { base } : {}),
    ...(baseBranch ? { base_branch: baseBranch } : {}),
  };
  let comparison: Comparison;
  try {
    comparison =
      opts.complete === false
        ? await client.getComparison(project, target)
        : await client.compare(project, { ...target, ...(pr ? { pr_number: pr } : {}) });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 405 || err.status === 501)) {
      throw new CliError(
        EXIT.failure,
        `The server at ${config.apiUrl} does not compare plots (HTTP ${err.status}): upgrade it to a version with plot review.`,
        { cause: err },
      );
    }
    throw err;
  }
  io.stdout.write(opts.json ? `${JSON.stringify(comparison)}\n` : comparisonText(comparison));
  if (shouldFail(comparison, opts.failOnChange === true)) {
    const s = comparison.summary;
    const open = s.changed + s.removed - s.approved;
    throw new CliError(
      EXIT.changes,
      `${open} plot change${open === 1 ? ' is' : 's are'} not approved (--fail-on-change)${comparison.review_url ? `: review them at ${comparison.review_url}` : ''}.`,
    );
  }
}
