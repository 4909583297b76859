import { Migration } from '@mikro-orm/migrations';

/**
 * Nothing on SQLite: the PostgreSQL migration of this name makes the changes feed's keys survive a
 * restore into another server. SQLite numbers each event from the greatest stored position (the
 * trigger of Migration20261207120000_finding_event_feed), so a restored file goes on after its own
 * events; a cursor from beyond them is refused by the feed (services/finding-feed.ts).
 */
export class Migration20261207184500_finding_event_feed_base extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
