/**
 * 0007: trust policies for tokenless CI publishing. A policy lets OIDC ID tokens from one issuer
 * (GitHub Actions, GitLab CI) for one repository — optionally only one ref, environment or
 * workflow — act on a project with a role; `trust add` writes them, authentication reads them.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { type Dialect, textType, timeType } from './dialect.js';

/** 0007 for a dialect. */
export const trustPolicies = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    const text = textType(dialect);
    await db.schema
      .createTable('trust_policies')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('issuer', text, (c) => c.notNull())
      // Lower case: GitHub and GitLab compare repository paths case-insensitively.
      .addColumn('repository', text, (c) => c.notNull())
      .addColumn('ref', text)
      .addColumn('environment', text)
      .addColumn('workflow', text)
      .addColumn('role', text, (c) => c.notNull())
      .addColumn('created_at', timeType(dialect), (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('trust_policies_subject')
      .on('trust_policies')
      .columns(['issuer', 'repository'])
      .execute();
    if (dialect !== 'postgres') return;
    // Project-scoped like 0006; authentication reads it before a request is restricted.
    await sql`alter table trust_policies enable row level security`.execute(db);
    await sql`alter table trust_policies force row level security`.execute(db);
    await sql`create policy principal_projects on trust_policies
      using (snapshotplot_visible(project_id)) with check (snapshotplot_visible(project_id))`.execute(
      db,
    );
  },
});
