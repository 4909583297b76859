import { Migration } from '@mikro-orm/migrations';

/**
 * Who is sending a webhook delivery and until when (services/webhooks.ts `claimDue`), so that two
 * senders on one database (leaders overlapping) never attempt the same row at once. Nullable, no
 * default: null is "not claimed", what every existing row and every row the previous version's
 * pods insert during the upgrade is.
 */
export class Migration20261207180000_webhook_delivery_claim extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`webhook_delivery\` add column \`claimed_by\` text null;`);
    this.addSql(`alter table \`webhook_delivery\` add column \`claimed_until\` datetime null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`webhook_delivery\` drop column \`claimed_by\`;`);
    this.addSql(`alter table \`webhook_delivery\` drop column \`claimed_until\`;`);
  }
}
