import { EntitySchema } from '@mikro-orm/core';
import { Finding, type FindingStatus } from './finding.js';
import { Snapshot } from './snapshot.js';

export const FINDING_EVENT_TYPES = [
  'opened',
  'resolved',
  'reopened',
  'accepted',
  'accepted-expired',
  'acceptance-revoked',
] as const;
export type FindingEventType = (typeof FINDING_EVENT_TYPES)[number];

/** One state change of a finding; append-only. `actor` is null for the reconciler. */
export class FindingEvent {
  id!: string;
  finding!: Finding;
  type!: FindingEventType;
  fromStatus: FindingStatus | null = null;
  toStatus!: FindingStatus;
  at!: Date;
  snapshot: Snapshot | null = null;
  actor: string | null = null;
  note: string | null = null;
  /**
   * The event's place in the changes feed (services/finding-feed.ts), `(feedKey, feedSeq)`: set by
   * the database as the row is inserted (a trigger, see Migration20261207120000_finding_event_feed),
   * never by this code, so they stay undefined here. Null on events written before that migration.
   */
  feedKey?: string | null;
  feedSeq?: string | null;
}

export const FindingEventSchema = new EntitySchema<FindingEvent>({
  class: FindingEvent,
  tableName: 'finding_event',
  properties: {
    id: { type: 'uuid', primary: true },
    finding: { kind: 'm:1', entity: () => Finding, deleteRule: 'cascade' },
    type: { type: 'string', length: 32 },
    fromStatus: { type: 'string', length: 16, nullable: true },
    toStatus: { type: 'string', length: 16 },
    at: { type: 'datetime' },
    snapshot: { kind: 'm:1', entity: () => Snapshot, nullable: true, deleteRule: 'set null' },
    actor: { type: 'string', length: 255, nullable: true },
    note: { type: 'text', nullable: true },
    // Lazy: loading an event never reads them (only the feed's own query does).
    feedKey: { type: 'bigint', nullable: true, lazy: true },
    feedSeq: { type: 'bigint', nullable: true, lazy: true },
  },
  indexes: [
    // A finding's history, paged over (at, id).
    { name: 'finding_event_finding_at_id_index', properties: ['finding', 'at', 'id'] },
    { name: 'finding_event_at_index', properties: ['at'] },
    // Deleting a snapshot (retention) sets this foreign key to null: found by the index, not by
    // reading every event.
    { name: 'finding_event_snapshot_id_index', properties: ['snapshot'] },
    // The changes feed: its order, and that of the events written before it existed (partial, so
    // neither index holds the other's rows; quoted the way both dialects accept).
    {
      name: 'finding_event_feed_index',
      expression:
        'create index "finding_event_feed_index" on "finding_event" ("feed_key", "feed_seq") where "feed_seq" is not null',
    },
    {
      name: 'finding_event_feed_legacy_index',
      expression:
        'create index "finding_event_feed_legacy_index" on "finding_event" ("at", "id") where "feed_seq" is null',
    },
  ],
});
