import { Migration } from '@mikro-orm/migrations';

export class Migration20261206224500_api_token_owner_email extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "api_token" add column "owner_email" varchar(320) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_token" drop column "owner_email";`);
  }
}
