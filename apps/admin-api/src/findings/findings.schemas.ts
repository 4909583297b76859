import { FINDING_STATUSES, SEVERITIES } from '@xero-access/model';
import { z } from 'zod';
import { connectionKeyParam } from '../connections/connection-key.js';
import { cursorParam, isoDateParam, limitParam, listOf } from '../http/query-schemas.js';

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
    since: isoDateParam
      .optional()
      .describe('Only findings first seen at or after this instant (ISO-8601)'),
    sort: z.enum(['firstSeenAt', 'lastSeenAt']).optional(),
    order: z.enum(['asc', 'desc']).optional(),
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
    expiresAt: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time' })
      .transform((s) => new Date(s))
      .refine((d) => d.getTime() > Date.now(), 'must be in the future')
      .describe('When the acceptance lapses and the finding opens again'),
  })
  .strict();

export const revokeAcceptanceBody = z
  .object({ note: z.string().max(10_000).optional() })
  .strict()
  .optional();
