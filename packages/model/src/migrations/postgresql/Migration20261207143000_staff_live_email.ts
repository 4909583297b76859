import { Migration } from '@mikro-orm/migrations';

export class Migration20261207143000_staff_live_email extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "staff_member" drop constraint "staff_member_email_unique";`);
    this.addSql(
      `create unique index "staff_member_live_email_unique" on "staff_member" ("email") where "deleted_at" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "staff_member_live_email_unique";`);
    this.addSql(
      `alter table "staff_member" add constraint "staff_member_email_unique" unique ("email");`,
    );
  }
}
