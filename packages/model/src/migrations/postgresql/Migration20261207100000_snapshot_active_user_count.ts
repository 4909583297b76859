import { Migration } from '@mikro-orm/migrations';

export class Migration20261207100000_snapshot_active_user_count extends Migration {
  override async up(): Promise<void> {
    // Nullable, no default: the previous version's pods insert snapshots without it during the
    // upgrade (null, counted when read). Made not null in a later release (expand, then contract).
    this.addSql(`alter table "snapshot" add column "active_user_count" int null;`);
    // Snapshots recorded before: count the users of their content (a JSON array of users) whose
    // role is not REMOVED, as `hasAccess` does, parsing each shared content once.
    this.addSql(
      `with "counted" as materialized (select "hash", (select count(*) from json_array_elements("text"::json) as "u" where "u" ->> 'organisationRole' is distinct from 'REMOVED') as "active" from "snapshot_content") update "snapshot" set "active_user_count" = "counted"."active" from "counted" where "counted"."hash" = "snapshot"."content_hash";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "snapshot" drop column "active_user_count";`);
  }
}
