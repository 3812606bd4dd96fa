/**
 * 0002: the event log behind SSE and the webhook tables (endpoints, the delivery queue and
 * every attempt). Schema builder only; on PostgreSQL the autoincrement ids become identity
 * columns (kysely's `autoIncrement()` is SQLite/MySQL syntax, so that backend swaps the type).
 */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import { type Dialect, textType, timeType } from './dialect.js';

/** 0002 for a dialect. */
export const eventsAndWebhooks = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    const text = textType(dialect);
    const time = timeType(dialect);
    // Identity on PostgreSQL, AUTOINCREMENT (never reuse an id) on SQLite.
    const serial = (c: ColumnDefinitionBuilder) =>
      dialect === 'postgres'
        ? c.primaryKey().generatedAlwaysAsIdentity()
        : c.primaryKey().autoIncrement();
    await db.schema
      .createTable('events')
      .addColumn('id', 'integer', serial)
      .addColumn('project_id', text, (c) => c.notNull())
      .addColumn('type', text, (c) => c.notNull())
      .addColumn('payload', text, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('events_project_id')
      .on('events')
      .columns(['project_id', 'id'])
      .execute();
    await db.schema.createIndex('events_created_at').on('events').column('created_at').execute();
    await db.schema
      .createTable('webhooks')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('url', text, (c) => c.notNull())
      .addColumn('events', text, (c) => c.notNull())
      .addColumn('secret', text, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('disabled_at', time)
      .addColumn('disabled_reason', text)
      .execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('webhook_id', text, (c) =>
        c.notNull().references('webhooks.id').onDelete('cascade'),
      )
      .addColumn('project_id', text, (c) => c.notNull())
      .addColumn('event_id', 'integer', (c) => c.notNull())
      .addColumn('event_type', text, (c) => c.notNull())
      .addColumn('payload', text, (c) => c.notNull())
      .addColumn('state', text, (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', time, (c) => c.notNull())
      .addColumn('last_status', 'integer')
      .addColumn('last_error', text)
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('completed_at', time)
      .execute();
    // The worker's poll: due rows by state and time.
    await db.schema
      .createIndex('webhook_deliveries_due')
      .on('webhook_deliveries')
      .columns(['state', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_project')
      .on('webhook_deliveries')
      .columns(['project_id', 'created_at'])
      .execute();
    await db.schema
      .createTable('webhook_attempts')
      .addColumn('id', 'integer', serial)
      .addColumn('delivery_id', text, (c) =>
        c.notNull().references('webhook_deliveries.id').onDelete('cascade'),
      )
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('error', text)
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhook_attempts_delivery')
      .on('webhook_attempts')
      .column('delivery_id')
      .execute();
  },
});
