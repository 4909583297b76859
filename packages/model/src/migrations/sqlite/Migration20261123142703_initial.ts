import { Migration } from '@mikro-orm/migrations';

export class Migration20261123142703_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`api_token\` (\`id\` text not null, \`name\` text not null, \`role\` text not null, \`token_hash\` text not null, \`prefix\` text not null, \`created_by\` text null, \`created_at\` datetime not null, \`expires_at\` datetime null, \`last_used_at\` datetime null, \`revoked_at\` datetime null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`api_token_name_unique\` on \`api_token\` (\`name\`);`);
    this.addSql(
      `create unique index \`api_token_token_hash_unique\` on \`api_token\` (\`token_hash\`);`,
    );

    this.addSql(
      `create table \`audit_log_entry\` (\`id\` text not null, \`at\` datetime not null, \`actor\` text not null, \`actor_role\` text null, \`action\` text not null, \`resource_type\` text not null, \`resource_id\` text null, \`source_ip\` text null, \`user_agent\` text null, \`request_id\` text null, \`outcome\` text not null, \`details\` json null, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`audit_log_entry_at_index\` on \`audit_log_entry\` (\`at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`audit_log_entry_actor_at_index\` on \`audit_log_entry\` (\`actor\`, \`at\`);`,
    );
    this.addSql(
      `create index \`audit_log_entry_resource_index\` on \`audit_log_entry\` (\`resource_type\`, \`resource_id\`);`,
    );

    this.addSql(
      `create table \`connection\` (\`id\` text not null, \`namespace\` text not null, \`name\` text not null, \`tenants\` json not null, \`critical_system\` integer null, \`last_sync_at\` datetime null, \`user_count\` integer null, \`deleted_at\` datetime null, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`connection_namespace_name_unique\` on \`connection\` (\`namespace\`, \`name\`);`,
    );

    this.addSql(
      `create table \`snapshot_content\` (\`hash\` text not null, \`text\` text not null, \`user_count\` integer not null, \`created_at\` datetime not null, primary key (\`hash\`));`,
    );

    this.addSql(
      `create table \`snapshot\` (\`id\` text not null, \`connection_id\` text not null, \`tenant_id\` text not null, \`tenant_name\` text not null, \`sequence\` integer not null, \`taken_at\` datetime not null, \`user_count\` integer not null, \`content_hash\` text not null, \`previous_id\` text null, \`previous_hash\` text null, \`chain_hash\` text not null, \`diff\` json not null, \`created_at\` datetime not null, constraint \`snapshot_connection_id_foreign\` foreign key(\`connection_id\`) references \`connection\`(\`id\`) on delete restrict on update cascade, constraint \`snapshot_content_hash_foreign\` foreign key(\`content_hash\`) references \`snapshot_content\`(\`hash\`) on delete restrict on update cascade, constraint \`snapshot_previous_id_foreign\` foreign key(\`previous_id\`) references \`snapshot\`(\`id\`) on delete restrict on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`snapshot_connection_id_index\` on \`snapshot\` (\`connection_id\`);`,
    );
    this.addSql(`create index \`snapshot_content_hash_index\` on \`snapshot\` (\`content_hash\`);`);
    this.addSql(`create index \`snapshot_previous_id_index\` on \`snapshot\` (\`previous_id\`);`);
    this.addSql(
      `create unique index \`snapshot_chain_hash_unique\` on \`snapshot\` (\`chain_hash\`);`,
    );
    this.addSql(
      `create index \`snapshot_connection_tenant_taken_at_index\` on \`snapshot\` (\`connection_id\`, \`tenant_id\`, \`taken_at\`);`,
    );
    this.addSql(
      `create unique index \`snapshot_chain_sequence_unique\` on \`snapshot\` (\`connection_id\`, \`tenant_id\`, \`sequence\`);`,
    );

    this.addSql(
      `create table \`finding\` (\`id\` text not null, \`connection_id\` text not null, \`tenant_id\` text not null, \`check\` text not null, \`subject_kind\` text not null, \`subject_id\` text not null, \`severity\` text not null, \`status\` text not null default 'open', \`message\` text not null, \`remediation\` text null, \`first_seen_at\` datetime not null, \`last_seen_at\` datetime not null, \`resolved_at\` datetime null, \`snapshot_id\` text null, \`accepted_reason\` text null, \`accepted_by\` text null, \`accepted_at\` datetime null, \`accepted_until\` datetime null, \`updated_at\` datetime not null, constraint \`finding_connection_id_foreign\` foreign key(\`connection_id\`) references \`connection\`(\`id\`) on delete restrict on update cascade, constraint \`finding_snapshot_id_foreign\` foreign key(\`snapshot_id\`) references \`snapshot\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`finding_connection_id_index\` on \`finding\` (\`connection_id\`);`);
    this.addSql(`create index \`finding_snapshot_id_index\` on \`finding\` (\`snapshot_id\`);`);
    this.addSql(
      `create index \`finding_first_seen_index\` on \`finding\` (\`first_seen_at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`finding_status_first_seen_index\` on \`finding\` (\`status\`, \`first_seen_at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`finding_status_last_seen_index\` on \`finding\` (\`status\`, \`last_seen_at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`finding_connection_status_first_seen_index\` on \`finding\` (\`connection_id\`, \`status\`, \`first_seen_at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`finding_tenant_status_first_seen_index\` on \`finding\` (\`tenant_id\`, \`status\`, \`first_seen_at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`finding_check_status_first_seen_index\` on \`finding\` (\`check\`, \`status\`, \`first_seen_at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`finding_severity_status_first_seen_index\` on \`finding\` (\`severity\`, \`status\`, \`first_seen_at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`finding_subject_index\` on \`finding\` (\`subject_id\`, \`subject_kind\`);`,
    );
    this.addSql(
      `create unique index \`finding_key_unique\` on \`finding\` (\`connection_id\`, \`tenant_id\`, \`check\`, \`subject_kind\`, \`subject_id\`);`,
    );

    this.addSql(
      `create table \`finding_event\` (\`id\` text not null, \`finding_id\` text not null, \`type\` text not null, \`from_status\` text null, \`to_status\` text not null, \`at\` datetime not null, \`snapshot_id\` text null, \`actor\` text null, \`note\` text null, constraint \`finding_event_finding_id_foreign\` foreign key(\`finding_id\`) references \`finding\`(\`id\`) on delete cascade on update cascade, constraint \`finding_event_snapshot_id_foreign\` foreign key(\`snapshot_id\`) references \`snapshot\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`finding_event_finding_id_index\` on \`finding_event\` (\`finding_id\`);`,
    );
    this.addSql(
      `create index \`finding_event_snapshot_id_index\` on \`finding_event\` (\`snapshot_id\`);`,
    );
    this.addSql(
      `create index \`finding_event_finding_at_index\` on \`finding_event\` (\`finding_id\`, \`at\`);`,
    );
    this.addSql(`create index \`finding_event_at_index\` on \`finding_event\` (\`at\`);`);

    this.addSql(
      `create table \`access_review\` (\`id\` text not null, \`connection_id\` text not null, \`tenant_id\` text not null, \`snapshot_id\` text not null, \`title\` text not null, \`status\` text not null default 'open', \`created_by\` text not null, \`created_at\` datetime not null, \`due_at\` datetime null, \`completed_at\` datetime null, \`completed_by\` text null, constraint \`access_review_connection_id_foreign\` foreign key(\`connection_id\`) references \`connection\`(\`id\`) on delete restrict on update cascade, constraint \`access_review_snapshot_id_foreign\` foreign key(\`snapshot_id\`) references \`snapshot\`(\`id\`) on delete restrict on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`access_review_connection_id_index\` on \`access_review\` (\`connection_id\`);`,
    );
    this.addSql(
      `create index \`access_review_snapshot_id_index\` on \`access_review\` (\`snapshot_id\`);`,
    );
    this.addSql(
      `create index \`access_review_connection_created_index\` on \`access_review\` (\`connection_id\`, \`created_at\`);`,
    );

    this.addSql(
      `create table \`review_decision\` (\`id\` text not null, \`review_id\` text not null, \`user_id\` text not null, \`email\` text null, \`name\` text null, \`organisation_role\` text not null, \`decision\` text null, \`new_role\` text null, \`comment\` text null, \`decided_by\` text null, \`decided_at\` datetime null, \`remediated_at\` datetime null, \`remediated_snapshot_id\` text null, constraint \`review_decision_review_id_foreign\` foreign key(\`review_id\`) references \`access_review\`(\`id\`) on delete cascade on update cascade, constraint \`review_decision_remediated_snapshot_id_foreign\` foreign key(\`remediated_snapshot_id\`) references \`snapshot\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`review_decision_review_id_index\` on \`review_decision\` (\`review_id\`);`,
    );
    this.addSql(
      `create index \`review_decision_remediated_snapshot_id_index\` on \`review_decision\` (\`remediated_snapshot_id\`);`,
    );
    this.addSql(
      `create unique index \`review_decision_review_user_unique\` on \`review_decision\` (\`review_id\`, \`user_id\`);`,
    );

    this.addSql(
      `create table \`staff_member\` (\`id\` text not null, \`email\` text not null, \`name\` text not null, \`org_role\` text null, \`status\` text not null default 'active', \`offboarded_at\` datetime null, \`external_id\` text null, \`source\` text not null default 'manual', \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`staff_member_email_unique\` on \`staff_member\` (\`email\`);`,
    );
    this.addSql(
      `create unique index \`staff_member_external_id_unique\` on \`staff_member\` (\`external_id\`);`,
    );

    this.addSql(
      `create table \`account_link\` (\`id\` text not null, \`user_id\` text not null, \`staff_id\` text null, \`non_human\` integer not null default false, \`justification\` text null, \`created_by\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`account_link_staff_id_foreign\` foreign key(\`staff_id\`) references \`staff_member\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`account_link_user_id_unique\` on \`account_link\` (\`user_id\`);`,
    );
    this.addSql(`create index \`account_link_staff_index\` on \`account_link\` (\`staff_id\`);`);

    this.addSql(
      `create table \`webhook_delivery\` (\`id\` text not null, \`event_type\` text not null, \`event_id\` text not null, \`target\` text not null, \`payload\` json not null, \`status\` text not null default 'pending', \`attempts\` integer not null default 0, \`last_status_code\` integer null, \`last_error\` text null, \`next_attempt_at\` datetime null, \`delivered_at\` datetime null, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`webhook_delivery_status_next_attempt_index\` on \`webhook_delivery\` (\`status\`, \`next_attempt_at\`);`,
    );
    this.addSql(
      `create index \`webhook_delivery_created_at_index\` on \`webhook_delivery\` (\`created_at\`, \`id\`);`,
    );
    this.addSql(
      `create unique index \`webhook_delivery_event_target_unique\` on \`webhook_delivery\` (\`event_id\`, \`target\`);`,
    );
  }
}
