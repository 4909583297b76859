import { Migration } from '@mikro-orm/migrations';

export class Migration20261207090000_staff_live_external_id extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "staff_member" drop constraint "staff_member_external_id_unique";`);
    this.addSql(
      `create unique index "staff_member_live_external_id_unique" on "staff_member" ("external_id") where "deleted_at" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "staff_member_live_external_id_unique";`);
    this.addSql(
      `alter table "staff_member" add constraint "staff_member_external_id_unique" unique ("external_id");`,
    );
  }
}
