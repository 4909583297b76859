import { EntitySchema } from '@mikro-orm/core';

export const AUDIT_OUTCOMES = ['pending', 'success', 'failure'] as const;
/** `pending`: recorded before the write ran; it stays so only if its outcome could not be recorded. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * One write through the admin API: who, what, when, from where. Append-only: an entry is written
 * before the write runs (`pending`) and its outcome is set once, never changed after that.
 */
export class AuditLogEntry {
  id!: string;
  at!: Date;
  actor!: string;
  actorRole: string | null = null;
  action!: string;
  resourceType!: string;
  resourceId: string | null = null;
  sourceIp: string | null = null;
  userAgent: string | null = null;
  requestId: string | null = null;
  outcome!: AuditOutcome;
  details: Record<string, unknown> | null = null;
}

export const AuditLogEntrySchema = new EntitySchema<AuditLogEntry>({
  class: AuditLogEntry,
  tableName: 'audit_log_entry',
  properties: {
    id: { type: 'uuid', primary: true },
    at: { type: 'datetime' },
    actor: { type: 'string', length: 255 },
    actorRole: { type: 'string', length: 32, nullable: true },
    action: { type: 'string', length: 128 },
    resourceType: { type: 'string', length: 64 },
    resourceId: { type: 'string', length: 512, nullable: true },
    sourceIp: { type: 'string', length: 64, nullable: true },
    userAgent: { type: 'string', length: 512, nullable: true },
    requestId: { type: 'string', length: 128, nullable: true },
    outcome: { type: 'string', length: 16 },
    details: { type: 'json', nullable: true },
  },
  indexes: [
    { name: 'audit_log_entry_at_index', properties: ['at', 'id'] },
    { name: 'audit_log_entry_actor_at_index', properties: ['actor', 'at'] },
    { name: 'audit_log_entry_resource_index', properties: ['resourceType', 'resourceId'] },
  ],
});
