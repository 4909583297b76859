import { Migration } from '@mikro-orm/migrations';

/**
 * The snapshots without an active user count, for the backfill's probe after every migrate run
 * (backfillActiveUserCounts). Partial: it holds only those, so once they are counted it is empty
 * and the probe reads nothing else. Building it reads `snapshot` once while writes to it wait.
 */
export class Migration20261207130000_snapshot_uncounted_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "snapshot_uncounted_index" on "snapshot" ("id") where "active_user_count" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "snapshot_uncounted_index";`);
  }
}
