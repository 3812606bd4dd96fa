/**
 * A CI job's OIDC ID token, for publishing without a secret (`snapshotplot publish --oidc`):
 * GitHub Actions hands it out from the runner's ACTIONS_ID_TOKEN_REQUEST_URL (the job needs
 * `permissions: id-token: write`); GitLab CI and others put it in a variable the job declares
 * (GitLab: `id_tokens: SNAPSHOTPLOT_ID_TOKEN: aud: <api-url>`). The action uses @actions/core's
 * getIDToken for the same endpoint.
 */
import type { Env } from './types.js';

/** Why no ID token could be had; the message names the setting that fixes it. */
export class IdTokenError extends Error {
  override name = 'IdTokenError';
}

export const ID_TOKEN_ENV = 'SNAPSHOTPLOT_ID_TOKEN';

/** The ID token for `audience` from the environment this process runs in. */
export async function ciIdToken(
  env: Env,
  audience: string,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const given = env[ID_TOKEN_ENV]?.trim();
  if (given) return given;
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const runtime = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && runtime) {
    const u = new URL(url);
    u.searchParams.set('audience', audience);
    let res: Response;
    try {
      res = await fetchImpl(u, {
        headers: { authorization: `Bearer ${runtime}`, accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new IdTokenError(
        `The runner's ID token endpoint did not answer (${(error as Error).message}): retry the job.`,
      );
    }
    const body = (await res.json().catch(() => null)) as { value?: unknown } | null;
    if (!res.ok || typeof body?.value !== 'string') {
      throw new IdTokenError(
        `The runner refused an ID token (HTTP ${res.status}): give the job \`permissions: id-token: write\`.`,
      );
    }
    return body.value;
  }
  if (env.GITHUB_ACTIONS === 'true') {
    throw new IdTokenError(
      '--oidc needs an ID token, and this GitHub Actions job cannot request one: give the workflow or job `permissions: id-token: write` (pull requests from forks never get one).',
    );
  }
  throw new IdTokenError(
    `--oidc needs a CI ID token: on GitHub Actions give the job \`permissions: id-token: write\`; on GitLab CI declare \`id_tokens: ${ID_TOKEN_ENV}: aud: ${audience}\`; elsewhere put the token in ${ID_TOKEN_ENV}.`,
  );
}
