import { Migration } from '@mikro-orm/migrations';

/** Where a tenant's chain starts once snapshot retention pruned its oldest snapshots. */
export class Migration20261207154500_snapshot_chain_checkpoint extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`snapshot_chain_checkpoint\` (\`id\` text not null, \`connection_id\` text not null, \`tenant_id\` text not null, \`sequence\` integer not null, \`chain_hash\` text not null, \`taken_at\` datetime not null, \`updated_at\` datetime not null, constraint \`snapshot_chain_checkpoint_connection_id_foreign\` foreign key(\`connection_id\`) references \`connection\`(\`id\`) on delete restrict on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`snapshot_chain_checkpoint_connection_id_index\` on \`snapshot_chain_checkpoint\` (\`connection_id\`);`,
    );
    this.addSql(
      `create unique index \`snapshot_chain_checkpoint_tenant_unique\` on \`snapshot_chain_checkpoint\` (\`connection_id\`, \`tenant_id\`);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`snapshot_chain_checkpoint\`;`);
  }
}
