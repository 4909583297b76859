import { Migration } from '@mikro-orm/migrations';

export class Migration20261206193351_staff_deleted_at extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`staff_member\` add column \`deleted_at\` datetime null;`);
  }
}
