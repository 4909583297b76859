import { Migration } from '@mikro-orm/migrations';

export class Migration20261207093000_drop_finding_status_last_seen_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index \`finding_status_last_seen_index\`;`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `create index \`finding_status_last_seen_index\` on \`finding\` (\`status\`, \`last_seen_at\`, \`id\`);`,
    );
  }
}
