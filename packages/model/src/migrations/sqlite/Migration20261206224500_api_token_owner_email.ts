import { Migration } from '@mikro-orm/migrations';

export class Migration20261206224500_api_token_owner_email extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`api_token\` add column \`owner_email\` text null;`);
  }
}
