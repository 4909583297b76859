import { Migration } from '@mikro-orm/migrations';

export class Migration20261207100000_snapshot_active_user_count extends Migration {
  override async up(): Promise<void> {
    // SQLite adds a not-null column to a table with rows only with a default (see the entity).
    this.addSql(
      `alter table \`snapshot\` add column \`active_user_count\` integer not null default 0;`,
    );
    // Snapshots recorded before: count the users of their content (a JSON array of users) whose
    // role is not REMOVED, as `hasAccess` does, parsing each shared content once.
    this.addSql(
      `with \`counted\` as materialized (select \`hash\`, (select count(*) from json_each(\`text\`) as \`u\` where json_extract(\`u\`.\`value\`, '$.organisationRole') is not 'REMOVED') as \`active\` from \`snapshot_content\`) update \`snapshot\` set \`active_user_count\` = \`counted\`.\`active\` from \`counted\` where \`counted\`.\`hash\` = \`snapshot\`.\`content_hash\`;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`snapshot\` drop column \`active_user_count\`;`);
  }
}
