import { Migration } from '@mikro-orm/migrations';

export class Migration20261207100000_snapshot_active_user_count extends Migration {
  override async up(): Promise<void> {
    // Nullable, no default: the previous version's pods insert snapshots without it during the
    // upgrade (null, counted when read). Made not null in a later release (expand, then contract).
    this.addSql(`alter table "snapshot" add column "active_user_count" int null;`);
    // Snapshots recorded before are counted afterwards, in batches of their own outside this
    // transaction (backfillActiveUserCounts, run by migrateUp). Counting here held the table's
    // ACCESS EXCLUSIVE lock, which stops even reads, for as long as parsing every content took.
    // Databases that ran this migration when it counted are counted already.
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "snapshot" drop column "active_user_count";`);
  }
}
