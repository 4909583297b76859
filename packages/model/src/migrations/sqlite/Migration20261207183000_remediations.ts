import { Migration } from '@mikro-orm/migrations';

/**
 * The review decisions still to be carried out (revoke or change-role, not yet remediated), and
 * only those: the reconciler's leader counts them per connection every minute
 * (services/review-outstanding.ts), and the sync's remediation looks for them, without reading
 * every item of every review. Partial, so it stays as small as the work outstanding. Building it
 * reads `review_decision` once while writes to it wait (not reads).
 */
export class Migration20261207183000_remediations extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "review_decision_open_remediation_index" on "review_decision" ("review_id", "decided_at") where "decision" in ('revoke', 'change-role') and "remediated_at" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index \`review_decision_open_remediation_index\`;`);
  }
}
