import { Migration } from '@mikro-orm/migrations';

/**
 * When `findings.apply` applied a snapshot's evaluation, so that an older snapshot is refused
 * after one that left no other trace (services/finding-apply.ts). Nullable, no default: the
 * previous version's pods record and apply snapshots without it during the upgrade, and snapshots
 * applied before keep null (no row is rewritten here); the trace-based check covers both.
 */
export class Migration20261207110000_snapshot_findings_applied_at extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`snapshot\` add column \`findings_applied_at\` datetime null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`snapshot\` drop column \`findings_applied_at\`;`);
  }
}
