import { Migration } from '@mikro-orm/migrations';

export class Migration20261206214034_review_decision_history extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "review_decision_event" ("id" uuid not null, "item_id" uuid not null, "decision" varchar(16) not null, "new_role" varchar(64) null, "comment" text null, "decided_by" varchar(255) not null, "decided_at" timestamptz not null, "previous_decision" varchar(16) null, constraint "review_decision_event_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "review_decision_event_item_decided_index" on "review_decision_event" ("item_id", "decided_at");`,
    );

    this.addSql(
      `alter table "review_decision_event" add constraint "review_decision_event_item_id_foreign" foreign key ("item_id") references "review_decision" ("id") on update cascade on delete cascade;`,
    );
    // Decisions made before this migration: their history starts with the decision as it
    // stands (what it replaced was not kept); the event takes the item's id, which is unique.
    this.addSql(
      `insert into "review_decision_event" ("id", "item_id", "decision", "new_role", "comment", "decided_by", "decided_at", "previous_decision") select "id", "id", "decision", "new_role", "comment", "decided_by", "decided_at", null from "review_decision" where "decision" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "review_decision_event" cascade;`);
  }
}
