import { Migration } from '@mikro-orm/migrations';

/**
 * The changes feed's position of each finding event (services/finding-feed.ts). SQLite has one
 * writer at a time (transactions begin immediate), so insertion order is commit order: `feed_key`
 * is 0 and `feed_seq` counts, both set by a trigger on every insert. Events written before keep
 * null (no row is rewritten here): the feed lists them first, by (at, id).
 */
export class Migration20261207120000_finding_event_feed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`finding_event\` add column \`feed_key\` bigint null;`);
    this.addSql(`alter table \`finding_event\` add column \`feed_seq\` bigint null;`);
    this.addSql(
      `create index "finding_event_feed_index" on "finding_event" ("feed_key", "feed_seq") where "feed_seq" is not null;`,
    );
    this.addSql(
      `create index "finding_event_feed_legacy_index" on "finding_event" ("at", "id") where "feed_seq" is null;`,
    );
    // The last number from the feed index (read backwards), not max(rowid): SQLite may renumber
    // rowids (VACUUM). A migration that rebuilds this table must create the trigger again.
    this
      .addSql(`create trigger \`finding_event_feed_position\` after insert on \`finding_event\` for each row
begin
  update \`finding_event\` set \`feed_key\` = 0, \`feed_seq\` = coalesce((
    select \`feed_seq\` from \`finding_event\` where \`feed_seq\` is not null
    order by \`feed_key\` desc, \`feed_seq\` desc limit 1
  ), 0) + 1
  where \`id\` = new.\`id\`;
end;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger \`finding_event_feed_position\`;`);
    this.addSql(`drop index \`finding_event_feed_legacy_index\`;`);
    this.addSql(`drop index \`finding_event_feed_index\`;`);
    this.addSql(`alter table \`finding_event\` drop column \`feed_seq\`;`);
    this.addSql(`alter table \`finding_event\` drop column \`feed_key\`;`);
  }
}
