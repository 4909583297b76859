import { z } from 'zod';
import { findingEventSchema, findingSchema } from '../findings/findings.schemas.js';
import {
  auditEntrySchema,
  decisionEventSchema,
  decisionSchema,
  linkSchema,
  reviewSchema,
  staffSchema,
  tokenSchema,
} from '../openapi/response-schemas.js';

/** What GET /staff/{id}/export and POST /staff/{id}/erase answer (documentation and tests). */
const appearanceSchema = z.object({
  connection: z.object({ namespace: z.string(), name: z.string() }),
  tenantId: z.string(),
  snapshotId: z.uuid(),
  sequence: z.number().int(),
  organisationRole: z.string().describe("The user's role in that tenant's newest snapshot"),
  connected: z
    .boolean()
    .describe(
      'false when the connection was deleted or no longer has the tenant: no sync records the ' +
        'user there again, so an erasure is not refused for this role',
    ),
});

const emailTiesSchema = z
  .object({
    used: z.boolean(),
    otherMembers: z
      .number()
      .int()
      .describe('Other staff members, live or deleted, with the same email (case-insensitive)'),
    leftOut: z.array(z.string()).describe('The ties by email not used (empty when used)'),
    reason: z.string().nullable().describe('Why they were left out; null when used'),
  })
  .describe(
    "Whether the member's email was used to find their rows: not when another staff member holds " +
      "it too (a leaver's address given to a new hire), since it cannot tell whose a row is; then " +
      'only account links tie Xero users to them, and nothing is matched by the email',
  );

const subjectXeroUserSchema = z.object({
  userId: z.string().describe('Xero UserID (lowercase)'),
  tiedBy: z
    .array(z.enum(['link', 'email']))
    .describe(
      "link: an account link ties it to the member; email: its email in a tenant's newest snapshot is theirs",
    ),
  appearances: z
    .array(appearanceSchema)
    .describe('Where the user is listed in the newest snapshot of a tenant (none: nowhere now)'),
});

export const subjectExportSchema = z.object({
  kind: z.literal('xero-access-subject-export'),
  version: z.literal(1),
  generatedAt: z.iso.datetime(),
  staff: staffSchema,
  emailTies: emailTiesSchema,
  xeroUsers: z.array(subjectXeroUserSchema),
  accountLinks: z.array(linkSchema),
  apiTokens: z
    .array(tokenSchema)
    .describe('API tokens whose ownerEmail is theirs (never secrets; see emailTies)'),
  findings: z.array(findingSchema).describe('Findings about their Xero users, any status'),
  findingEvents: z.array(findingEventSchema).describe('The history of those findings'),
  reviewDecisions: z
    .array(decisionSchema)
    .describe('Review items about their Xero users, or with their email (see emailTies)'),
  reviewDecisionHistory: z
    .array(decisionEventSchema)
    .describe('Every decision recorded on those items, changed ones included'),
  reviewDecisionsMade: z
    .array(decisionSchema)
    .describe('Review items they decided (decidedBy oidc:<their email>; see emailTies)'),
  reviewDecisionEventsMade: z
    .array(decisionEventSchema)
    .describe('Every decision they recorded (decidedBy oidc:<their email>), changed ones included'),
  accessReviews: z
    .array(reviewSchema)
    .describe('Campaigns they started or completed (createdBy / completedBy oidc:<their email>)'),
  auditLog: z
    .array(auditEntrySchema)
    .describe(
      'Entries where they act (oidc:<email>, their own API tokens; see emailTies) or are the target (their staff ' +
        'record, their Xero users, findings and review items about those)',
    ),
  snapshots: z
    .object({
      note: z.string(),
      userIds: z.array(z.string()),
      newest: z.array(z.uuid()),
    })
    .describe(
      'Snapshot contents are hashed evidence and not repeated: where to find the snapshots that mention their Xero users',
    ),
  complete: z
    .literal(true)
    .describe('Last member: a body cut short (a failure midway resets the connection) has none'),
});

export const erasureResultSchema = z.object({
  staff: staffSchema,
  erased: z.object({
    staffId: z.uuid(),
    xeroUserIds: z
      .array(z.string())
      .describe(
        'The Xero users tied to the member when erased (by link only, unless emailTies.used)',
      ),
    reviewDecisionsAbout: z
      .number()
      .int()
      .describe('Review items about those users whose email and name were replaced'),
    reviewDecisionsDecided: z
      .number()
      .int()
      .describe('Review items the member decided, whose decidedBy was replaced'),
    reviewDecisionEvents: z.number().int(),
    accessReviews: z
      .number()
      .int()
      .describe('Campaign createdBy / completedBy fields replaced (counted per field)'),
    emailTies: emailTiesSchema,
  }),
});
