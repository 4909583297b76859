import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes the columns that refer to a snapshot or a content, which PostgreSQL does not index by
 * itself: deleting a snapshot (retention) made it read each referencing table whole for every row
 * deleted, 0.4 s a snapshot at 1.3 million (a batch of 500 outlasted the 5-minute
 * statement_timeout and deleted nothing). And a connection's snapshots newest first, all tenants
 * (services/snapshots.ts list), which sorted every snapshot of the connection for each page.
 * Building them reads each table once while writes to it wait (not reads), until the migrations
 * commit: 6 s in all for 1.3 million snapshots and 300,000 finding events (2-core machine), 1.1–2.3 s
 * for each of the three on `snapshot`.
 */
export class Migration20261207200000_fk_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "snapshot_previous_id_index" on "snapshot" ("previous_id");`);
    this.addSql(`create index "snapshot_content_hash_index" on "snapshot" ("content_hash");`);
    this.addSql(
      `create index "snapshot_connection_taken_at_id_index" on "snapshot" ("connection_id", "taken_at", "id");`,
    );
    this.addSql(`create index "finding_snapshot_id_index" on "finding" ("snapshot_id");`);
    this.addSql(
      `create index "finding_event_snapshot_id_index" on "finding_event" ("snapshot_id");`,
    );
    this.addSql(
      `create index "access_review_snapshot_id_index" on "access_review" ("snapshot_id");`,
    );
    this.addSql(
      `create index "review_decision_remediated_snapshot_id_index" on "review_decision" ("remediated_snapshot_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "review_decision_remediated_snapshot_id_index";`);
    this.addSql(`drop index "access_review_snapshot_id_index";`);
    this.addSql(`drop index "finding_event_snapshot_id_index";`);
    this.addSql(`drop index "finding_snapshot_id_index";`);
    this.addSql(`drop index "snapshot_connection_taken_at_id_index";`);
    this.addSql(`drop index "snapshot_content_hash_index";`);
    this.addSql(`drop index "snapshot_previous_id_index";`);
  }
}
