/**
 * Versioned schema migrations, applied in order at start-up by kysely's Migrator (which records
 * them in kysely_migration and takes a lock, so a CLI and a server starting together are safe).
 * Written with the schema builder only, so the PostgreSQL backend can run the same list.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { type Dialect, textType, timeType } from './dialect.js';
import { eventOrder } from './migration-event-order.js';
import { eventsAndWebhooks } from './migration-events.js';
import { listIndexes } from './migration-list-indexes.js';
import { naturalKeyIndex } from './migration-natural-key.js';
import { artifactObjectIndex } from './migration-objects.js';
import { plotHeads } from './migration-plot-heads.js';
import { plotIndex } from './migration-plot-index.js';
import { quotasAndRetention } from './migration-retention.js';
import { reviewsAndDiffs } from './migration-reviews.js';
import { rowLevelSecurity } from './migration-rls.js';
import { sessionsTable } from './migration-sessions.js';
import { textIndex } from './migration-text-index.js';
import { trustPolicies } from './migration-trust.js';
import { uploadNonce } from './migration-upload-nonce.js';
import { writeTriggers } from './migration-write-triggers.js';

const initial = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    const text = textType(dialect);
    const time = timeType(dialect);
    await db.schema
      .createTable('projects')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('owner_id', text)
      .addColumn('name', text, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('collections')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('name', text, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addUniqueConstraint('collections_project_name', ['project_id', 'name'])
      .execute();
    await db.schema
      .createTable('snapshots')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('collection_id', text, (c) => c.references('collections.id'))
      .addColumn('title', text, (c) => c.notNull())
      .addColumn('author', text)
      .addColumn('description', text)
      // text[] on PostgreSQL (the spec's type), a JSON array on SQLite; snapshot_tags serves
      // the tag filter on both.
      .addColumn('tags', dialect === 'postgres' ? sql`text[]` : 'text', (c) =>
        c.notNull().defaultTo(dialect === 'postgres' ? sql`'{}'::text[]` : '[]'),
      )
      .addColumn('plot_url', text)
      .addColumn('code_url', text)
      .addColumn('repo_owner', text)
      .addColumn('repo_name', text)
      .addColumn('commit_sha', text)
      .addColumn('branch', text)
      .addColumn('pr_number', 'integer')
      .addColumn('ci', text)
      .addColumn('status', text, (c) => c.notNull())
      .addColumn('want_plot', 'integer', (c) => c.notNull())
      .addColumn('want_code', 'integer', (c) => c.notNull())
      .addColumn('checksum_plot', text)
      .addColumn('checksum_code', text)
      .addColumn('supersedes', text)
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('finalized_at', time)
      .execute();
    await db.schema
      .createIndex('snapshots_project_id')
      .on('snapshots')
      .columns(['project_id', 'id'])
      .execute();
    await db.schema
      .createIndex('snapshots_natural_key')
      .on('snapshots')
      .columns(['project_id', 'commit_sha', 'title'])
      .execute();
    await db.schema
      .createTable('snapshot_tags')
      .addColumn('snapshot_id', text, (c) =>
        c.notNull().references('snapshots.id').onDelete('cascade'),
      )
      .addColumn('tag', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('snapshot_tags_pk', ['snapshot_id', 'tag'])
      .execute();
    await db.schema.createIndex('snapshot_tags_tag').on('snapshot_tags').column('tag').execute();
    await db.schema
      .createTable('artifacts')
      .addColumn('snapshot_id', text, (c) =>
        c.notNull().references('snapshots.id').onDelete('cascade'),
      )
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('storage_key', text, (c) => c.notNull())
      .addColumn('content_type', text, (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('sha256', text, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('artifacts_pk', ['snapshot_id', 'kind'])
      .execute();
    await db.schema
      .createTable('tokens')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('name', text)
      .addColumn('role', text, (c) => c.notNull())
      .addColumn('token_hash', text, (c) => c.notNull().unique())
      .addColumn('prefix', text, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('expires_at', time)
      .addColumn('revoked_at', time)
      .addColumn('last_used_at', time)
      .execute();
    await db.schema.createIndex('tokens_prefix').on('tokens').column('prefix').execute();
    await db.schema
      .createTable('project_members')
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('user_id', text, (c) => c.notNull())
      .addColumn('role', text, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('principal', text, (c) => c.notNull())
      .addColumn('key', text, (c) => c.notNull())
      .addColumn('fingerprint', text, (c) => c.notNull())
      .addColumn('state', text, (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('snapshot_id', text)
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['principal', 'key'])
      .execute();
    await db.schema
      .createTable('consumed_upload_nonces')
      .addColumn('nonce', text, (c) => c.primaryKey())
      .addColumn('snapshot_id', text, (c) => c.notNull())
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('expires_at', time, (c) => c.notNull())
      .addColumn('consumed_at', time, (c) => c.notNull())
      .execute();
  },
});

/** The migration list of a dialect: same names and tables, types adapted where they differ. */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_events_webhooks': eventsAndWebhooks(dialect),
    '0003_row_level_security': rowLevelSecurity(dialect),
    '0004_sessions': sessionsTable(dialect),
    '0005_natural_key_index': naturalKeyIndex(),
    '0006_quotas_retention': quotasAndRetention(dialect),
    '0007_trust_policies': trustPolicies(dialect),
    '0008_reviews': reviewsAndDiffs(dialect),
    '0009_artifact_objects': artifactObjectIndex(),
    '0010_list_indexes': listIndexes(),
    '0011_plot_index': plotIndex(),
    '0012_plot_heads': plotHeads(dialect),
    '0013_event_order': eventOrder(dialect),
    '0014_upload_nonce': uploadNonce(dialect),
    '0015_text_index': textIndex(dialect),
    '0016_write_triggers': writeTriggers(dialect),
  };
}

/**
 * Applies every pending migration; throws with the failing migration's name. On PostgreSQL
 * kysely's Migrator holds `pg_advisory_xact_lock` while it runs, so replicas starting together
 * apply each migration once.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: Dialect = 'sqlite',
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? error}`);
  }
}
