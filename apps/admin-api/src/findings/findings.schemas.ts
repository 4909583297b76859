import {
  FINDING_SORTS,
  FINDING_STATUSES,
  LAST_SEEN_AT_SORT_REFUSED,
  SEVERITIES,
} from '@xero-access/model';
import { z } from 'zod';
import { connectionKeyParam } from '../connections/connection-key.js';
import { dateTime } from '../http/date-time.js';
import { cursorParam, limitParam, listOf } from '../http/query-schemas.js';

export const listFindingsQuery = z
  .object({
    connection: connectionKeyParam.optional().describe('namespace/name of the XeroConnection'),
    tenant: z.string().min(1).max(64).optional().describe('Xero tenant id'),
    check: z.string().min(1).max(128).optional().describe('Check id, e.g. user-identified'),
    status: listOf(z.enum(FINDING_STATUSES))
      .optional()
      .describe('open, resolved, accepted (comma-separated for several)'),
    severity: listOf(z.enum(SEVERITIES))
      .optional()
      .describe('high, medium, low (comma-separated for several)'),
    subjectKind: z.enum(['user', 'connection']).optional(),
    subject: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe('Subject id: a Xero UserID or namespace/name'),
    since: dateTime
      .optional()
      .describe(
        'Only findings first seen at or after this instant (RFC 3339, with a zone). Not a changes filter: a finding seen earlier that was resolved, accepted or reopened since is left out; read GET /finding-events for changes.',
      ),
    sort: z
      .enum(FINDING_SORTS, {
        error: (issue) => (issue.input === 'lastSeenAt' ? LAST_SEEN_AT_SORT_REFUSED : undefined),
      })
      .optional()
      .describe(
        'Page order: firstSeenAt (the default; it never changes). lastSeenAt is refused: every sync rewrites it, so pages ordered by it would skip or repeat findings.',
      ),
    order: z
      .enum(['asc', 'desc'])
      .default('desc')
      .describe(
        'desc (the default): newest first; asc: oldest first, findings opened after the first page come last',
      ),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

export const acceptRiskBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(10_000)
      .describe('Why the risk is accepted'),
    expiresAt: dateTime
      .optional()
      .describe(
        'When the acceptance lapses and the finding opens again: in the future and at most MAX_ACCEPTANCE_DAYS (default 365) days ahead. Omitted: the whole maximum period.',
      ),
  })
  .strict();

export const revokeAcceptanceBody = z
  .object({ note: z.string().max(10_000).optional() })
  .strict()
  .optional();

const isoDate = z.iso.datetime();

/** What the finding routes return (documentation: the handlers return the model's records). */
export const findingSchema = z.object({
  id: z.uuid(),
  connectionId: z.uuid(),
  connection: z.object({ namespace: z.string(), name: z.string() }),
  tenantId: z.string(),
  check: z
    .string()
    .describe(
      'user-identified, offboarded-access-removed, critical-system-access-configured, critical-system-access-valid, or a custom check',
    ),
  subject: z.object({
    kind: z.string().describe('user or connection'),
    id: z.string().describe('Xero UserID or namespace/name'),
  }),
  severity: z.enum(SEVERITIES),
  status: z.enum(FINDING_STATUSES),
  message: z.string(),
  remediation: z.string().nullable(),
  firstSeenAt: isoDate,
  lastSeenAt: isoDate,
  resolvedAt: isoDate.nullable(),
  snapshotId: z.uuid().nullable().describe('The latest snapshot in which the policy reported it'),
  acceptedRisk: z
    .object({ reason: z.string(), by: z.string(), at: isoDate, until: isoDate })
    .nullable(),
  updatedAt: isoDate,
});

export const findingPageSchema = z.object({
  items: z.array(findingSchema),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass as cursor for the next page; null on the last page'),
});

export const findingEventSchema = z.object({
  id: z.uuid(),
  findingId: z.uuid(),
  type: z
    .string()
    .describe('opened, resolved, reopened, accepted, accepted-expired, acceptance-revoked'),
  fromStatus: z.enum(FINDING_STATUSES).nullable(),
  toStatus: z.enum(FINDING_STATUSES),
  at: isoDate,
  snapshotId: z
    .uuid()
    .nullable()
    .describe(
      'The evaluation that made the change; for `accepted`, the evidence snapshot of the ' +
        'finding as it was accepted; null for other changes people make and for the expiry ' +
        'sweep, and once snapshot retention (retention.snapshots) pruned that snapshot',
    ),
  actor: z.string().nullable().describe('Who made the change; null for the reconciler'),
  note: z.string().nullable(),
});

export const findingDetailSchema = findingSchema.extend({
  evidence: z.object({
    snapshot: z
      .object({
        id: z.uuid(),
        takenAt: isoDate,
        tenantId: z.string(),
        tenantName: z.string(),
        sequence: z.number().int(),
        userCount: z.number().int(),
        contentHash: z.string().describe('sha256 of the canonical users JSON'),
        chainHash: z.string().describe('sha256 of the chain link'),
      })
      .nullable(),
    subjectUser: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('The subject as that snapshot recorded it'),
  }),
});

export const findingTransitionSchema = z.object({
  finding: findingSchema,
  event: findingEventSchema,
});

export const findingChangesQuery = z
  .object({
    connection: connectionKeyParam
      .optional()
      .describe("namespace/name of the XeroConnection: only its findings' changes"),
    limit: limitParam,
    cursor: cursorParam.describe(
      'Where to read from: the `nextCursor` of the previous answer (none: from the first change ever)',
    ),
  })
  .strict();

/** A finding event of the feed, with what identifies its finding. */
export const findingChangeSchema = findingEventSchema
  .extend({
    id: findingEventSchema.shape.id.describe("The event's id, as in the finding's history"),
  })
  .extend(
    findingSchema.pick({ connection: true, tenantId: true, check: true, subject: true }).shape,
  );

export const findingChangePageSchema = z.object({
  items: z.array(findingChangeSchema),
  nextCursor: z
    .string()
    .nullable()
    .describe(
      'Where the next read starts: after the last item, or the cursor sent when there was none. Null only when nothing has changed yet and no cursor was sent. Keep it: unlike a listing, the feed does not end.',
    ),
  hasMore: z.boolean().describe('More changes are ready now: read again from nextCursor at once'),
});
