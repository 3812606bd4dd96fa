/**
 * Where the snapshot's code came from: explicit flags, then the CI environment, then git.
 * Git runs only when flags and CI leave a field open.
 */
import {
  type CiContext,
  type CiIo,
  detectCi,
  type Env,
  type RunGit,
  readGit,
  type SourceContext,
} from '@snapshotplot/core';
import { CliError, EXIT } from './errors.js';

export interface SourceFlags {
  repo?: string;
  commit?: string;
  branch?: string;
  pr?: number;
}

export type Source = SourceContext & Partial<Pick<CiContext, 'ci'>>;

/** `owner/name` (owner may nest: `group/sub/name`) from --repo. */
export function parseRepoFlag(value: string): Pick<SourceContext, 'repo_owner' | 'repo_name'> {
  const v = value.trim().replace(/\.git$/, '');
  const i = v.lastIndexOf('/');
  if (i <= 0 || i === v.length - 1) {
    throw new CliError(
      EXIT.usage,
      `Invalid --repo "${value}": give it as OWNER/NAME, e.g. octo-org/plots.`,
    );
  }
  return { repo_owner: v.slice(0, i), repo_name: v.slice(i + 1) };
}

/** Fields taken from the first layer that has them (the repository is handled as a pair). */
const FIELDS = ['commit_sha', 'branch', 'pr_number'] as const;

/** Flags, then CI, then git, field by field; repo owner and name always come from one source. */
export async function resolveSource(
  flags: SourceFlags,
  o: { env: Env; io: CiIo; git: RunGit },
): Promise<Source> {
  const fromFlags: SourceContext = {
    ...(flags.repo ? parseRepoFlag(flags.repo) : {}),
    commit_sha: flags.commit,
    branch: flags.branch,
    pr_number: flags.pr,
  };
  const ci = detectCi(o.env, o.io);
  const layers: SourceContext[] = [fromFlags, ci ?? {}];
  const known = (field: keyof SourceContext) => layers.some((l) => l[field] !== undefined);
  if (!known('repo_name') || !known('commit_sha') || !known('branch')) {
    layers.push(await readGit(o.git));
  }

  const out: Source = {};
  const repoLayer = layers.find((l) => l.repo_name);
  if (repoLayer) {
    if (repoLayer.repo_owner) out.repo_owner = repoLayer.repo_owner;
    out.repo_name = repoLayer.repo_name;
  }
  for (const field of FIELDS) {
    const value = layers.find((l) => l[field] !== undefined)?.[field];
    if (value !== undefined) Object.assign(out, { [field]: value });
  }
  if (ci) out.ci = ci.ci;
  return out;
}
