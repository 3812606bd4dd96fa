/**
 * `snapshotplot-server trust add|list|remove`: trust policies for tokenless CI publishing. A
 * workflow's OIDC ID token (GitHub Actions, GitLab CI) is accepted for a project when a policy
 * names its issuer and repository and, when set, its ref, environment and workflow file.
 */
import { ROLES } from '@snapshotplot/api-client/contract';
import { type Command, Option } from 'commander';
import { GITHUB_ISSUER } from '../auth/trust.js';
import type { Role } from '../data/store.js';
import type { TrustPoliciesTable } from '../data/tables.js';
import { CliError } from '../errors.js';
import { newId } from '../ids.js';
import { resolveInstall } from '../settings/options.js';
import { type CliIo, output, withStore } from './io.js';

const REPOSITORY = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

type AddOptions = {
  project: string;
  repository: string;
  issuer: string;
  ref?: string;
  environment?: string;
  workflow?: string;
  role: Role;
  json?: boolean;
};

/** Checks the flags; CliError (exit 2) names the flag and the expected shape. */
function policyOf(o: AddOptions, now: Date): TrustPoliciesTable {
  let issuer: URL;
  try {
    issuer = new URL(o.issuer);
  } catch {
    throw new CliError(`--issuer must be the issuer's URL, like ${GITHUB_ISSUER}.`, 2);
  }
  if (
    issuer.protocol !== 'https:' &&
    issuer.hostname !== '127.0.0.1' &&
    issuer.hostname !== 'localhost'
  ) {
    throw new CliError(`--issuer must be an https URL, like ${GITHUB_ISSUER}.`, 2);
  }
  if (!REPOSITORY.test(o.repository)) {
    throw new CliError('--repository must be owner/name (GitLab: group/subgroup/project).', 2);
  }
  if (o.ref !== undefined && !/^refs\/\S+$/.test(o.ref)) {
    throw new CliError(
      '--ref must be a full ref like refs/heads/main, refs/tags/v*, or refs/heads/release/*.',
      2,
    );
  }
  if (o.workflow !== undefined && !/\.ya?ml$/.test(o.workflow)) {
    throw new CliError(
      "--workflow must be the workflow file's path in the repository, like .github/workflows/plots.yml.",
      2,
    );
  }
  if (o.environment !== undefined && o.environment.trim() === '') {
    throw new CliError('--environment must name a deployment environment, like production.', 2);
  }
  return {
    id: newId('trust', now.getTime()),
    project_id: o.project,
    issuer: o.issuer.replace(/\/+$/, ''),
    repository: o.repository.toLowerCase(),
    ref: o.ref ?? null,
    environment: o.environment ?? null,
    workflow: o.workflow ?? null,
    role: o.role,
    created_at: now.toISOString(),
  };
}

const describe = (p: TrustPoliciesTable) =>
  [
    p.id,
    p.project_id,
    p.role,
    p.repository,
    `ref=${p.ref ?? '*'}`,
    `environment=${p.environment ?? '*'}`,
    `workflow=${p.workflow ?? '*'}`,
    p.issuer,
  ].join('\t');

export function trustCommand(program: Command, io: CliIo): void {
  const trust = program
    .command('trust')
    .description(
      'trust CI ID tokens (GitHub Actions, GitLab CI OIDC) for a project: no secret needed',
    );
  trust
    .command('add')
    .description(
      'let ID tokens of a repository (optionally one ref, environment, workflow) act on a project',
    )
    .requiredOption('--project <id>', 'project the policy grants access to')
    .requiredOption(
      '--repository <owner/name>',
      'repository the ID token must name (GitHub "repository", GitLab "project_path")',
    )
    .option(
      '--issuer <url>',
      'issuer of the ID tokens (GitLab: https://gitlab.com or your instance)',
      GITHUB_ISSUER,
    )
    .option(
      '--ref <ref>',
      'only this ref, e.g. refs/heads/main; a trailing * matches a prefix (default any)',
    )
    .option('--environment <name>', 'only jobs in this deployment environment (default any)')
    .option(
      '--workflow <path>',
      'only this workflow file, e.g. .github/workflows/plots.yml (default any)',
    )
    .addOption(
      new Option('--role <role>', 'what matching jobs may do').choices(ROLES).default('publisher'),
    )
    .option('--json', 'print the policy as JSON')
    .action(async (o: AddOptions) => {
      const policy = policyOf(o, io.now());
      await withStore(resolveInstall(o, io.env), async (store) => {
        if (!(await store.getProject(o.project))) {
          throw new CliError(
            `Project ${o.project} does not exist: create it with \`snapshotplot-server project create --name NAME\`.`,
          );
        }
        await store.addTrustPolicy(policy);
      });
      output(
        io,
        o.json,
        policy,
        `Trusted ${policy.repository}${policy.ref ? ` at ${policy.ref}` : ''} (${policy.issuer}) as ${policy.role} on project ${policy.project_id}: policy ${policy.id}. Start the server with --oidc-issuer ${policy.issuer} to accept its ID tokens.`,
      );
    });
  trust
    .command('list')
    .description('list trust policies')
    .option('--project <id>', 'only this project')
    .option('--json', 'print a JSON array')
    .action(async (o: { project?: string; json?: boolean }) => {
      const rows = await withStore(resolveInstall(o, io.env), (s) =>
        s.listTrustPolicies(o.project),
      );
      output(io, o.json, rows, rows.map(describe).join('\n') || 'No trust policies.');
    });
  trust
    .command('remove')
    .description(
      'remove a trust policy by id (ID tokens it let in are refused from the next request)',
    )
    .argument('<id>', 'policy id (trust_…)')
    .option('--json', 'print {"id","removed"}')
    .action(async (id: string, o: { json?: boolean }) => {
      const ok = await withStore(resolveInstall(o, io.env), (s) => s.removeTrustPolicy(id));
      if (!ok) throw new CliError(`No trust policy ${id}: see \`snapshotplot-server trust list\`.`);
      output(io, o.json, { id, removed: true }, `Removed trust policy ${id}.`);
    });
}
