import { EntitySchema } from '@mikro-orm/core';
import { Connection } from './connection.js';
import { Snapshot } from './snapshot.js';

export const FINDING_STATUSES = ['open', 'resolved', 'accepted'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * One failed check for one subject in one tenant of a connection. The key
 * (connection, tenantId, check, subjectKind, subjectId) is unique: a finding is updated in place
 * across syncs, and its history lives in FindingEvent.
 */
export class Finding {
  id!: string;
  connection!: Connection;
  tenantId!: string;
  check!: string;
  subjectKind!: string;
  subjectId!: string;
  severity!: Severity;
  status: FindingStatus = 'open';
  message!: string;
  remediation: string | null = null;
  firstSeenAt!: Date;
  lastSeenAt!: Date;
  resolvedAt: Date | null = null;
  /** The latest snapshot in which the policy reported this finding. */
  snapshot: Snapshot | null = null;
  acceptedReason: string | null = null;
  acceptedBy: string | null = null;
  acceptedAt: Date | null = null;
  acceptedUntil: Date | null = null;
  updatedAt!: Date;
}

export const FindingSchema = new EntitySchema<Finding>({
  class: Finding,
  tableName: 'finding',
  properties: {
    id: { type: 'uuid', primary: true },
    connection: { kind: 'm:1', entity: () => Connection, deleteRule: 'restrict' },
    tenantId: { type: 'string', length: 64 },
    check: { type: 'string', length: 128 },
    subjectKind: { type: 'string', length: 32 },
    subjectId: { type: 'string', length: 512 },
    severity: { type: 'string', length: 16 },
    status: { type: 'string', length: 16 },
    message: { type: 'text' },
    remediation: { type: 'text', nullable: true },
    firstSeenAt: { type: 'datetime' },
    lastSeenAt: { type: 'datetime' },
    resolvedAt: { type: 'datetime', nullable: true },
    snapshot: { kind: 'm:1', entity: () => Snapshot, nullable: true, deleteRule: 'set null' },
    acceptedReason: { type: 'text', nullable: true },
    acceptedBy: { type: 'string', length: 255, nullable: true },
    acceptedAt: { type: 'datetime', nullable: true },
    acceptedUntil: { type: 'datetime', nullable: true },
    updatedAt: { type: 'datetime' },
  },
  uniques: [
    {
      name: 'finding_key_unique',
      properties: ['connection', 'tenantId', 'check', 'subjectKind', 'subjectId'],
    },
  ],
  // Keyset pagination orders by (first_seen_at, id); each index serves one common filter with that
  // order, so a page is an index range scan even at a million rows. No index leads with
  // last_seen_at: no query orders or filters by it, and every sync rewrites it.
  indexes: [
    { name: 'finding_first_seen_index', properties: ['firstSeenAt', 'id'] },
    { name: 'finding_status_first_seen_index', properties: ['status', 'firstSeenAt', 'id'] },
    {
      name: 'finding_connection_status_first_seen_index',
      properties: ['connection', 'status', 'firstSeenAt', 'id'],
    },
    {
      name: 'finding_tenant_status_first_seen_index',
      properties: ['tenantId', 'status', 'firstSeenAt', 'id'],
    },
    {
      name: 'finding_check_status_first_seen_index',
      properties: ['check', 'status', 'firstSeenAt', 'id'],
    },
    {
      name: 'finding_severity_status_first_seen_index',
      properties: ['severity', 'status', 'firstSeenAt', 'id'],
    },
    { name: 'finding_subject_index', properties: ['subjectId', 'subjectKind'] },
    // Deleting a snapshot (retention) sets this foreign key to null: found by the index, not by
    // reading every finding.
    { name: 'finding_snapshot_id_index', properties: ['snapshot'] },
  ],
});
