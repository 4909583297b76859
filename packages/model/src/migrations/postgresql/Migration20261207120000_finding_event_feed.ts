import { Migration } from '@mikro-orm/migrations';

/**
 * The changes feed's position of each finding event (services/finding-feed.ts): `feed_key`, a
 * transaction id above the writer's own and every one completed before the write, and `feed_seq`,
 * the order of insertion. A trigger sets both on every insert, so the previous version's pods,
 * which do not know the columns, write them too during a rolling upgrade. Events written before
 * keep null (no row is rewritten here): the feed lists them first, by (at, id).
 */
export class Migration20261207120000_finding_event_feed extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "finding_event" add column "feed_key" bigint null, add column "feed_seq" bigint null;`,
    );
    // No cache: the numbers are handed out in the order the inserts happen, across sessions.
    this.addSql(
      `create sequence "finding_event_feed_seq" as bigint cache 1 owned by "finding_event"."feed_seq";`,
    );
    // pg_current_snapshot() is taken after the writer locked what it changes: a transaction that
    // committed before (the holder of that lock) is complete in it, so its xmax is above that
    // transaction's id and every event it wrote sorts before this one.
    this
      .addSql(`create function "finding_event_feed_position"() returns trigger language plpgsql as $$
begin
  new."feed_key" := greatest(
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
    pg_current_xact_id()::text::bigint + 1
  );
  new."feed_seq" := nextval('finding_event_feed_seq');
  return new;
end
$$;`);
    this.addSql(
      `create trigger "finding_event_feed_position" before insert on "finding_event" for each row execute function "finding_event_feed_position"();`,
    );
    // Both read the whole table while writes to it wait (not reads): 0.6 s for a million events
    // (2-core machine); the first holds none of them, the second sorts them all.
    this.addSql(
      `create index "finding_event_feed_index" on "finding_event" ("feed_key", "feed_seq") where "feed_seq" is not null;`,
    );
    this.addSql(
      `create index "finding_event_feed_legacy_index" on "finding_event" ("at", "id") where "feed_seq" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "finding_event_feed_legacy_index";`);
    this.addSql(`drop index "finding_event_feed_index";`);
    this.addSql(`drop trigger "finding_event_feed_position" on "finding_event";`);
    this.addSql(`drop function "finding_event_feed_position"();`);
    this.addSql(`alter table "finding_event" drop column "feed_key", drop column "feed_seq";`);
  }
}
