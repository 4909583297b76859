import { EntitySchema } from '@mikro-orm/core';
import type { SnapshotDiff } from '../snapshots/diff.js';
import { Connection } from './connection.js';
import { SnapshotContent } from './snapshot-content.js';

/** One sync of one tenant: immutable, hashed, chained to the tenant's previous snapshot. */
export class Snapshot {
  id!: string;
  connection!: Connection;
  tenantId!: string;
  tenantName!: string;
  /** 1, 2, 3… per connection + tenant; unique, so two writers cannot fork the chain. */
  sequence!: number;
  takenAt!: Date;
  userCount!: number;
  /**
   * The users whose role is not REMOVED (`hasAccess`), counted when recorded so that reading a
   * snapshot never parses its content. Not a link field: no hash covers it. Null on a row the
   * previous version wrote during the upgrade that added it (it lacks the column): counted from
   * the content when read.
   */
  activeUserCount!: number | null;
  /**
   * When `findings.apply` first applied this snapshot's evaluation: an older snapshot of the
   * tenant is refused from then on. Not a link field. Null until applied, and on snapshots
   * applied before the column existed or by the previous version's pods during the upgrade.
   */
  findingsAppliedAt: Date | null = null;
  content!: SnapshotContent;
  previous: Snapshot | null = null;
  previousHash: string | null = null;
  chainHash!: string;
  /** How Xero's user list changed row by row (`diffUsers`); served as `accessChanges` of it. */
  diff!: SnapshotDiff;
  createdAt!: Date;
}

export const SnapshotSchema = new EntitySchema<Snapshot>({
  class: Snapshot,
  tableName: 'snapshot',
  properties: {
    id: { type: 'uuid', primary: true },
    connection: { kind: 'm:1', entity: () => Connection, deleteRule: 'restrict' },
    tenantId: { type: 'string', length: 64 },
    tenantName: { type: 'string', length: 255 },
    sequence: { type: 'integer' },
    takenAt: { type: 'datetime' },
    userCount: { type: 'integer' },
    activeUserCount: { type: 'integer', nullable: true },
    findingsAppliedAt: { type: 'datetime', nullable: true },
    content: {
      kind: 'm:1',
      entity: () => SnapshotContent,
      fieldName: 'content_hash',
      deleteRule: 'restrict',
    },
    previous: { kind: 'm:1', entity: () => Snapshot, nullable: true, deleteRule: 'restrict' },
    previousHash: { type: 'string', length: 64, nullable: true },
    chainHash: { type: 'string', length: 64, unique: 'snapshot_chain_hash_unique' },
    diff: { type: 'json' },
    createdAt: { type: 'datetime' },
  },
  uniques: [
    { name: 'snapshot_chain_sequence_unique', properties: ['connection', 'tenantId', 'sequence'] },
  ],
  indexes: [
    {
      name: 'snapshot_connection_tenant_taken_at_index',
      properties: ['connection', 'tenantId', 'takenAt'],
    },
    // A connection's snapshots newest first, all tenants (services/snapshots.ts list): a page reads
    // the index instead of sorting every snapshot of the connection.
    { name: 'snapshot_connection_taken_at_id_index', properties: ['connection', 'takenAt', 'id'] },
    // Deleting a snapshot or a content (retention) checks these foreign keys: without an index
    // PostgreSQL reads the whole table for each row deleted (SQLite indexes them by itself).
    { name: 'snapshot_previous_id_index', properties: ['previous'] },
    { name: 'snapshot_content_hash_index', properties: ['content'] },
    {
      name: 'snapshot_uncounted_index',
      // The snapshots the backfill has still to count, and only those: once it has counted them
      // all, finding none reads an empty index, not the table (partial, quoted as both accept).
      expression:
        'create index "snapshot_uncounted_index" on "snapshot" ("id") where "active_user_count" is null',
    },
  ],
});
