import { Migration } from '@mikro-orm/migrations';

/** The feed key trigger of Migration20261207120000_finding_event_feed, for `down`. */
const WITHOUT_BASE = `create or replace function "finding_event_feed_position"() returns trigger language plpgsql as $$
begin
  new."feed_key" := greatest(
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
    pg_current_xact_id()::text::bigint + 1
  );
  new."feed_seq" := nextval('finding_event_feed_seq');
  return new;
end
$$;`;

/**
 * Keeps the changes feed going after a restore (services/finding-feed.ts). `feed_key` is a
 * transaction id, and the ids are the server's: a dump restored into another server (pg_restore,
 * logical replication, blue/green) starts from lower ids, and a point-in-time recovery or a
 * promoted replica may go back. Every stored key would then be above the feed's bound (hidden),
 * and new events would get keys below them, behind every cursor a client holds.
 *
 * So keys become transaction ids plus `finding_event_feed_base.key_offset` (one row, 0 until a
 * restore needs more), the feed's bound the oldest id in progress plus the same offset. After a
 * restore, `rebaseFindingFeed` (run by every migrate, before the apps start) raises the offset so
 * that new keys exceed every stored one. The trigger reads the offset and nothing else: making it
 * compare with the greatest stored key would make concurrent writers of many events read past each
 * other's uncommitted ones at every row.
 */
export class Migration20261207184500_finding_event_feed_base extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "finding_event_feed_base" ("id" boolean not null default true, "key_offset" bigint not null, constraint "finding_event_feed_base_pkey" primary key ("id"), constraint "finding_event_feed_base_one_row" check ("id"));`,
    );
    this.addSql(`insert into "finding_event_feed_base" ("key_offset") values (0);`);
    this
      .addSql(`create or replace function "finding_event_feed_position"() returns trigger language plpgsql as $$
begin
  new."feed_key" := greatest(
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
    pg_current_xact_id()::text::bigint + 1
  ) + (select "key_offset" from "finding_event_feed_base");
  new."feed_seq" := nextval('finding_event_feed_seq');
  return new;
end
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql(WITHOUT_BASE);
    this.addSql(`drop table "finding_event_feed_base";`);
  }
}
