import { Migration } from '@mikro-orm/migrations';

/**
 * A connection's snapshots newest first, all tenants (services/snapshots.ts list), which sorted
 * every snapshot of the connection for each page. The foreign key indexes of the PostgreSQL
 * migration of this name are SQLite's since the first migration. Building it reads `snapshot`
 * once while writes wait: 1.3 s for 1.3 million snapshots.
 */
export class Migration20261207200000_fk_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index \`snapshot_connection_taken_at_id_index\` on \`snapshot\` (\`connection_id\`, \`taken_at\`, \`id\`);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index \`snapshot_connection_taken_at_id_index\`;`);
  }
}
