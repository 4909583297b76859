import { Migration } from '@mikro-orm/migrations';

export class Migration20261206215500_finding_event_history_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "finding_event_finding_at_id_index" on "finding_event" ("finding_id", "at", "id");`,
    );
    this.addSql(`drop index "finding_event_finding_at_index";`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `create index "finding_event_finding_at_index" on "finding_event" ("finding_id", "at");`,
    );
    this.addSql(`drop index "finding_event_finding_at_id_index";`);
  }
}
