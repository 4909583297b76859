import { Migration } from '@mikro-orm/migrations';

/**
 * Where a tenant's chain starts once snapshot retention pruned its oldest snapshots. A new,
 * empty table: no lock on anything the previous version's pods use.
 */
export class Migration20261207154500_snapshot_chain_checkpoint extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "snapshot_chain_checkpoint" ("id" uuid not null, "connection_id" uuid not null, "tenant_id" varchar(64) not null, "sequence" int not null, "chain_hash" varchar(64) not null, "taken_at" timestamptz not null, "updated_at" timestamptz not null, constraint "snapshot_chain_checkpoint_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "snapshot_chain_checkpoint" add constraint "snapshot_chain_checkpoint_tenant_unique" unique ("connection_id", "tenant_id");`,
    );
    this.addSql(
      `alter table "snapshot_chain_checkpoint" add constraint "snapshot_chain_checkpoint_connection_id_foreign" foreign key ("connection_id") references "connection" ("id") on update cascade on delete restrict;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "snapshot_chain_checkpoint" cascade;`);
  }
}
