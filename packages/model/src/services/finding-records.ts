import type { Connection } from '../entities/connection.js';
import type { FindingEvent, FindingEventType } from '../entities/finding-event.js';
import type { Finding, FindingStatus, Severity } from '../entities/finding.js';
import type { ConnectionRef } from './context.js';

export interface AcceptedRisk {
  reason: string;
  by: string;
  at: Date;
  until: Date;
}

export interface FindingRecord {
  id: string;
  connectionId: string;
  connection: ConnectionRef;
  tenantId: string;
  check: string;
  subject: { kind: string; id: string };
  severity: Severity;
  status: FindingStatus;
  message: string;
  remediation: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  /** The latest snapshot in which the policy reported this finding: its evidence. */
  snapshotId: string | null;
  acceptedRisk: AcceptedRisk | null;
  updatedAt: Date;
}

export interface FindingEventRecord {
  id: string;
  findingId: string;
  type: FindingEventType;
  fromStatus: FindingStatus | null;
  toStatus: FindingStatus;
  at: Date;
  snapshotId: string | null;
  /** Who did it; null for the reconciler. */
  actor: string | null;
  note: string | null;
}

export function toFindingRecord(f: Finding, connection: Connection): FindingRecord {
  return {
    id: f.id,
    connectionId: connection.id,
    connection: { namespace: connection.namespace, name: connection.name },
    tenantId: f.tenantId,
    check: f.check,
    subject: { kind: f.subjectKind, id: f.subjectId },
    severity: f.severity,
    status: f.status,
    message: f.message,
    remediation: f.remediation,
    firstSeenAt: f.firstSeenAt,
    lastSeenAt: f.lastSeenAt,
    resolvedAt: f.resolvedAt,
    snapshotId: f.snapshot?.id ?? null,
    acceptedRisk:
      f.acceptedReason !== null &&
      f.acceptedBy !== null &&
      f.acceptedAt !== null &&
      f.acceptedUntil !== null
        ? { reason: f.acceptedReason, by: f.acceptedBy, at: f.acceptedAt, until: f.acceptedUntil }
        : null,
    updatedAt: f.updatedAt,
  };
}

export function toFindingEventRecord(e: FindingEvent): FindingEventRecord {
  return {
    id: e.id,
    findingId: e.finding.id,
    type: e.type,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    at: e.at,
    snapshotId: e.snapshot?.id ?? null,
    actor: e.actor,
    note: e.note,
  };
}
