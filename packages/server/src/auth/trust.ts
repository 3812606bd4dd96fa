/**
 * Trust policies: which CI workload identities act on which project, with which role. A
 * policy names an issuer and a repository and optionally narrows to one ref (a trailing `*`
 * matches a prefix: `refs/heads/release/*`), one deployment environment and one workflow file.
 * The messages name the token's claims and the `trust add` command that would let it in.
 */
import { ROLES } from '@snapshotplot/api-client/contract';
import type { Role } from '../data/records.js';
import type { TrustPoliciesTable } from '../data/tables.js';
import type { WorkloadIdentity } from './oidc.js';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** A policy field: null matches anything; `x*` matches a prefix; otherwise exact. */
function fieldMatches(want: string | null, have: string | null): boolean {
  if (want === null) return true;
  if (have === null) return false;
  return want.endsWith('*') ? have.startsWith(want.slice(0, -1)) : want === have;
}

export function policyMatches(p: TrustPoliciesTable, id: WorkloadIdentity): boolean {
  return (
    p.issuer === id.issuer &&
    p.repository === id.repository.toLowerCase() &&
    fieldMatches(p.ref, id.ref) &&
    fieldMatches(p.environment, id.environment) &&
    fieldMatches(p.workflow, id.workflow)
  );
}

/** The highest role per project over the matching policies. */
export function grantsOf(
  policies: readonly TrustPoliciesTable[],
  id: WorkloadIdentity,
): Map<string, Role> {
  const grants = new Map<string, Role>();
  for (const p of policies) {
    if (!policyMatches(p, id)) continue;
    const held = grants.get(p.project_id);
    if (!held || ROLES.indexOf(p.role) > ROLES.indexOf(held)) grants.set(p.project_id, p.role);
  }
  return grants;
}

/** `repository org/name, ref refs/heads/main, environment none, workflow ...` */
export function describeIdentity(id: WorkloadIdentity): string {
  return [
    `issuer ${id.issuer}`,
    `repository ${id.repository}`,
    `ref ${id.ref ?? 'none'}`,
    `environment ${id.environment ?? 'none'}`,
    `workflow ${id.workflow ?? 'none'}`,
  ].join(', ');
}

/** The admin command that would trust exactly this identity's repository and ref. */
export function trustCommand(id: WorkloadIdentity, projectId = '<project-id>'): string {
  return [
    'snapshotplot-server trust add',
    `--project ${projectId}`,
    id.issuer === GITHUB_ISSUER ? null : `--issuer ${id.issuer}`,
    `--repository ${id.repository}`,
    id.ref ? `--ref ${id.ref}` : null,
    '--role publisher',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The 403 sentence for an identity no policy matches (for any project, or for this one). */
export function untrustedMessage(id: WorkloadIdentity, projectId?: string): string {
  const where = projectId ? ` for project ${projectId}` : '';
  return `No trust policy${where} matches this ID token (${describeIdentity(id)}): an admin can allow it with \`${trustCommand(id, projectId)}\`.`;
}
