/** Trust policies (0007): which CI identities may act on which project (part of the Store). */
import type { Kysely, Transaction } from 'kysely';
import type { Database, TrustPoliciesTable } from './tables.js';

type Executor = Kysely<Database> | Transaction<Database>;

export function trustQueries(db: Executor) {
  return {
    async addTrustPolicy(row: TrustPoliciesTable): Promise<void> {
      await db.insertInto('trust_policies').values(row).execute();
    },
    async listTrustPolicies(projectId?: string): Promise<TrustPoliciesTable[]> {
      let q = db.selectFrom('trust_policies').selectAll().orderBy('created_at').orderBy('id');
      if (projectId) q = q.where('project_id', '=', projectId);
      return q.execute();
    },
    /** False when there is no such policy. */
    async removeTrustPolicy(id: string): Promise<boolean> {
      const r = await db.deleteFrom('trust_policies').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    /** The policies for one issuer and repository (lower case); the caller matches the rest. */
    async trustPoliciesFor(issuer: string, repository: string): Promise<TrustPoliciesTable[]> {
      return db
        .selectFrom('trust_policies')
        .selectAll()
        .where('issuer', '=', issuer)
        .where('repository', '=', repository)
        .execute();
    },
  };
}
