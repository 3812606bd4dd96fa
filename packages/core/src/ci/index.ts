/**
 * Detects the CI provider from the environment and reads what it knows. Outside a known CI a
 * generic `CI=true` still records `{ provider: 'other' }`; on a laptop there is no `ci`.
 */
import { azurePipelines } from './azure-pipelines.js';
import { bitbucketPipelines } from './bitbucket-pipelines.js';
import { buildkite } from './buildkite.js';
import { circleci } from './circleci.js';
import { githubActions } from './github-actions.js';
import { gitlabCi } from './gitlab-ci.js';
import { jenkins } from './jenkins.js';
import type { CiContext, CiIo, Env } from './types.js';

export type { CiContext, CiIo, CiProvider, Env, SourceContext } from './types.js';

/** In detection order: the specific markers first, Jenkins' generic JENKINS_URL last. */
export const CI_PROVIDERS = [
  githubActions,
  gitlabCi,
  circleci,
  buildkite,
  azurePipelines,
  bitbucketPipelines,
  jenkins,
];

/** The CI context of `env`, or undefined when not running in CI. */
export function detectCi(env: Env, io: CiIo): CiContext | undefined {
  const provider = CI_PROVIDERS.find((p) => p.detect(env));
  if (provider) return provider.read(env, io);
  const ci = env.CI?.toLowerCase();
  if (ci === 'true' || ci === '1') return { ci: { provider: 'other' } };
  return undefined;
}
