import { Migration } from '@mikro-orm/migrations';

export class Migration20261123142703_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "api_token" ("id" uuid not null, "name" varchar(128) not null, "role" varchar(16) not null, "token_hash" varchar(64) not null, "prefix" varchar(16) not null, "created_by" varchar(255) null, "created_at" timestamptz not null, "expires_at" timestamptz null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_token_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "api_token" add constraint "api_token_name_unique" unique ("name");`);
    this.addSql(
      `alter table "api_token" add constraint "api_token_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `create table "audit_log_entry" ("id" uuid not null, "at" timestamptz not null, "actor" varchar(255) not null, "actor_role" varchar(32) null, "action" varchar(128) not null, "resource_type" varchar(64) not null, "resource_id" varchar(512) null, "source_ip" varchar(64) null, "user_agent" varchar(512) null, "request_id" varchar(128) null, "outcome" varchar(16) not null, "details" jsonb null, constraint "audit_log_entry_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "audit_log_entry_at_index" on "audit_log_entry" ("at", "id");`);
    this.addSql(
      `create index "audit_log_entry_actor_at_index" on "audit_log_entry" ("actor", "at");`,
    );
    this.addSql(
      `create index "audit_log_entry_resource_index" on "audit_log_entry" ("resource_type", "resource_id");`,
    );

    this.addSql(
      `create table "connection" ("id" uuid not null, "namespace" varchar(253) not null, "name" varchar(253) not null, "tenants" jsonb not null, "critical_system" boolean null, "last_sync_at" timestamptz null, "user_count" int null, "deleted_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "connection_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "connection" add constraint "connection_namespace_name_unique" unique ("namespace", "name");`,
    );

    this.addSql(
      `create table "snapshot_content" ("hash" varchar(64) not null, "text" text not null, "user_count" int not null, "created_at" timestamptz not null, constraint "snapshot_content_pkey" primary key ("hash"));`,
    );

    this.addSql(
      `create table "snapshot" ("id" uuid not null, "connection_id" uuid not null, "tenant_id" varchar(64) not null, "tenant_name" varchar(255) not null, "sequence" int not null, "taken_at" timestamptz not null, "user_count" int not null, "content_hash" varchar(64) not null, "previous_id" uuid null, "previous_hash" varchar(64) null, "chain_hash" varchar(64) not null, "diff" jsonb not null, "created_at" timestamptz not null, constraint "snapshot_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "snapshot" add constraint "snapshot_chain_hash_unique" unique ("chain_hash");`,
    );
    this.addSql(
      `create index "snapshot_connection_tenant_taken_at_index" on "snapshot" ("connection_id", "tenant_id", "taken_at");`,
    );
    this.addSql(
      `alter table "snapshot" add constraint "snapshot_chain_sequence_unique" unique ("connection_id", "tenant_id", "sequence");`,
    );

    this.addSql(
      `create table "finding" ("id" uuid not null, "connection_id" uuid not null, "tenant_id" varchar(64) not null, "check" varchar(128) not null, "subject_kind" varchar(32) not null, "subject_id" varchar(512) not null, "severity" varchar(16) not null, "status" varchar(16) not null default 'open', "message" text not null, "remediation" text null, "first_seen_at" timestamptz not null, "last_seen_at" timestamptz not null, "resolved_at" timestamptz null, "snapshot_id" uuid null, "accepted_reason" text null, "accepted_by" varchar(255) null, "accepted_at" timestamptz null, "accepted_until" timestamptz null, "updated_at" timestamptz not null, constraint "finding_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "finding_first_seen_index" on "finding" ("first_seen_at", "id");`);
    this.addSql(
      `create index "finding_status_first_seen_index" on "finding" ("status", "first_seen_at", "id");`,
    );
    this.addSql(
      `create index "finding_status_last_seen_index" on "finding" ("status", "last_seen_at", "id");`,
    );
    this.addSql(
      `create index "finding_connection_status_first_seen_index" on "finding" ("connection_id", "status", "first_seen_at", "id");`,
    );
    this.addSql(
      `create index "finding_tenant_status_first_seen_index" on "finding" ("tenant_id", "status", "first_seen_at", "id");`,
    );
    this.addSql(
      `create index "finding_check_status_first_seen_index" on "finding" ("check", "status", "first_seen_at", "id");`,
    );
    this.addSql(
      `create index "finding_severity_status_first_seen_index" on "finding" ("severity", "status", "first_seen_at", "id");`,
    );
    this.addSql(
      `create index "finding_subject_index" on "finding" ("subject_id", "subject_kind");`,
    );
    this.addSql(
      `alter table "finding" add constraint "finding_key_unique" unique ("connection_id", "tenant_id", "check", "subject_kind", "subject_id");`,
    );

    this.addSql(
      `create table "finding_event" ("id" uuid not null, "finding_id" uuid not null, "type" varchar(32) not null, "from_status" varchar(16) null, "to_status" varchar(16) not null, "at" timestamptz not null, "snapshot_id" uuid null, "actor" varchar(255) null, "note" text null, constraint "finding_event_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "finding_event_finding_at_index" on "finding_event" ("finding_id", "at");`,
    );
    this.addSql(`create index "finding_event_at_index" on "finding_event" ("at");`);

    this.addSql(
      `create table "access_review" ("id" uuid not null, "connection_id" uuid not null, "tenant_id" varchar(64) not null, "snapshot_id" uuid not null, "title" varchar(255) not null, "status" varchar(16) not null default 'open', "created_by" varchar(255) not null, "created_at" timestamptz not null, "due_at" timestamptz null, "completed_at" timestamptz null, "completed_by" varchar(255) null, constraint "access_review_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "access_review_connection_created_index" on "access_review" ("connection_id", "created_at");`,
    );

    this.addSql(
      `create table "review_decision" ("id" uuid not null, "review_id" uuid not null, "user_id" varchar(64) not null, "email" varchar(320) null, "name" varchar(511) null, "organisation_role" varchar(64) not null, "decision" varchar(16) null, "new_role" varchar(64) null, "comment" text null, "decided_by" varchar(255) null, "decided_at" timestamptz null, "remediated_at" timestamptz null, "remediated_snapshot_id" uuid null, constraint "review_decision_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "review_decision" add constraint "review_decision_review_user_unique" unique ("review_id", "user_id");`,
    );

    this.addSql(
      `create table "staff_member" ("id" uuid not null, "email" varchar(320) not null, "name" varchar(255) not null, "org_role" varchar(128) null, "status" varchar(16) not null default 'active', "offboarded_at" timestamptz null, "external_id" varchar(255) null, "source" varchar(16) not null default 'manual', "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "staff_member_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "staff_member" add constraint "staff_member_email_unique" unique ("email");`,
    );
    this.addSql(
      `alter table "staff_member" add constraint "staff_member_external_id_unique" unique ("external_id");`,
    );

    this.addSql(
      `create table "account_link" ("id" uuid not null, "user_id" varchar(64) not null, "staff_id" uuid null, "non_human" boolean not null default false, "justification" text null, "created_by" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "account_link_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "account_link" add constraint "account_link_user_id_unique" unique ("user_id");`,
    );
    this.addSql(`create index "account_link_staff_index" on "account_link" ("staff_id");`);

    this.addSql(
      `create table "webhook_delivery" ("id" uuid not null, "event_type" varchar(64) not null, "event_id" varchar(128) not null, "target" varchar(2048) not null, "payload" jsonb not null, "status" varchar(16) not null default 'pending', "attempts" int not null default 0, "last_status_code" int null, "last_error" text null, "next_attempt_at" timestamptz null, "delivered_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "webhook_delivery_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_delivery_status_next_attempt_index" on "webhook_delivery" ("status", "next_attempt_at");`,
    );
    this.addSql(
      `create index "webhook_delivery_created_at_index" on "webhook_delivery" ("created_at", "id");`,
    );
    this.addSql(
      `alter table "webhook_delivery" add constraint "webhook_delivery_event_target_unique" unique ("event_id", "target");`,
    );

    this.addSql(
      `alter table "snapshot" add constraint "snapshot_connection_id_foreign" foreign key ("connection_id") references "connection" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "snapshot" add constraint "snapshot_content_hash_foreign" foreign key ("content_hash") references "snapshot_content" ("hash") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "snapshot" add constraint "snapshot_previous_id_foreign" foreign key ("previous_id") references "snapshot" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "finding" add constraint "finding_connection_id_foreign" foreign key ("connection_id") references "connection" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "finding" add constraint "finding_snapshot_id_foreign" foreign key ("snapshot_id") references "snapshot" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "finding_event" add constraint "finding_event_finding_id_foreign" foreign key ("finding_id") references "finding" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "finding_event" add constraint "finding_event_snapshot_id_foreign" foreign key ("snapshot_id") references "snapshot" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "access_review" add constraint "access_review_connection_id_foreign" foreign key ("connection_id") references "connection" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "access_review" add constraint "access_review_snapshot_id_foreign" foreign key ("snapshot_id") references "snapshot" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "review_decision" add constraint "review_decision_review_id_foreign" foreign key ("review_id") references "access_review" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "review_decision" add constraint "review_decision_remediated_snapshot_id_foreign" foreign key ("remediated_snapshot_id") references "snapshot" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "account_link" add constraint "account_link_staff_id_foreign" foreign key ("staff_id") references "staff_member" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "snapshot" drop constraint "snapshot_connection_id_foreign";`);

    this.addSql(`alter table "finding" drop constraint "finding_connection_id_foreign";`);

    this.addSql(
      `alter table "access_review" drop constraint "access_review_connection_id_foreign";`,
    );

    this.addSql(`alter table "snapshot" drop constraint "snapshot_content_hash_foreign";`);

    this.addSql(`alter table "snapshot" drop constraint "snapshot_previous_id_foreign";`);

    this.addSql(`alter table "finding" drop constraint "finding_snapshot_id_foreign";`);

    this.addSql(`alter table "finding_event" drop constraint "finding_event_snapshot_id_foreign";`);

    this.addSql(`alter table "access_review" drop constraint "access_review_snapshot_id_foreign";`);

    this.addSql(
      `alter table "review_decision" drop constraint "review_decision_remediated_snapshot_id_foreign";`,
    );

    this.addSql(`alter table "finding_event" drop constraint "finding_event_finding_id_foreign";`);

    this.addSql(
      `alter table "review_decision" drop constraint "review_decision_review_id_foreign";`,
    );

    this.addSql(`alter table "account_link" drop constraint "account_link_staff_id_foreign";`);

    this.addSql(`drop table if exists "api_token" cascade;`);

    this.addSql(`drop table if exists "audit_log_entry" cascade;`);

    this.addSql(`drop table if exists "connection" cascade;`);

    this.addSql(`drop table if exists "snapshot_content" cascade;`);

    this.addSql(`drop table if exists "snapshot" cascade;`);

    this.addSql(`drop table if exists "finding" cascade;`);

    this.addSql(`drop table if exists "finding_event" cascade;`);

    this.addSql(`drop table if exists "access_review" cascade;`);

    this.addSql(`drop table if exists "review_decision" cascade;`);

    this.addSql(`drop table if exists "staff_member" cascade;`);

    this.addSql(`drop table if exists "account_link" cascade;`);

    this.addSql(`drop table if exists "webhook_delivery" cascade;`);
  }
}
