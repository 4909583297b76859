import { Migration } from '@mikro-orm/migrations';

/**
 * At most one open review per connection, tenant and snapshot (a retried POST /reviews started a
 * second). Reviews an earlier version opened twice over one snapshot stay open, their decisions
 * being evidence: each but the oldest is marked `duplicate_of` it, which the unique index leaves
 * out. access_review holds a row per campaign, so reading it here is quick; the update changes
 * only those duplicates.
 */
export class Migration20261207120500_open_review_unique extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "access_review" add column "duplicate_of" uuid null;`);
    this.addSql(`update "access_review" set "duplicate_of" = (
  select "o"."id" from "access_review" as "o"
  where "o"."status" = 'open' and "o"."connection_id" = "access_review"."connection_id"
    and "o"."tenant_id" = "access_review"."tenant_id" and "o"."snapshot_id" = "access_review"."snapshot_id"
  order by "o"."created_at", "o"."id" limit 1
)
where "status" = 'open' and exists (
  select 1 from "access_review" as "o"
  where "o"."status" = 'open' and "o"."connection_id" = "access_review"."connection_id"
    and "o"."tenant_id" = "access_review"."tenant_id" and "o"."snapshot_id" = "access_review"."snapshot_id"
    and ("o"."created_at" < "access_review"."created_at"
      or ("o"."created_at" = "access_review"."created_at" and "o"."id" < "access_review"."id"))
);`);
    this.addSql(
      `create unique index "access_review_open_snapshot_unique" on "access_review" ("connection_id", "tenant_id", "snapshot_id") where "status" = 'open' and "duplicate_of" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "access_review_open_snapshot_unique";`);
    this.addSql(`alter table "access_review" drop column "duplicate_of";`);
  }
}
