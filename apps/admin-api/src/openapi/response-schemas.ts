import { AUDIT_OUTCOMES, CHAIN_PROBLEMS } from '@xero-access/model';
import { z } from 'zod';

/** Response shapes for the OpenAPI document (the handlers return the model's records as JSON). */
const date = z.iso.datetime();
const ref = z.object({ namespace: z.string(), name: z.string() });
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as cursor for the next page; null on the last page'),
  });
export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

const diffUser = z.object({
  userId: z.string(),
  email: z.string().nullable(),
  organisationRole: z.string(),
});
export const snapshotDiffSchema = z
  .object({
    joiners: z
      .array(diffUser)
      .describe(
        'Users who gained access: a new user, or one whose role stopped being REMOVED (with the role they got)',
      ),
    leavers: z
      .array(diffUser)
      .describe(
        'Users who lost access: their role turned REMOVED (how Xero lists a removed user), or they are no longer listed (with the role they lost)',
      ),
    roleChanges: z
      .array(
        z.object({
          userId: z.string(),
          email: z.string().nullable(),
          from: z.string(),
          to: z.string(),
        }),
      )
      .describe('Users who kept access with another role (neither role REMOVED)'),
  })
  .describe('Changes in who can get in, every list sorted by userId');

export const snapshotDiffBetweenSchema = z.object({
  from: z.object({ id: z.uuid(), takenAt: date }),
  to: z.object({ id: z.uuid(), takenAt: date }),
  diff: snapshotDiffSchema,
});

export const snapshotSchema = z.object({
  id: z.uuid(),
  connectionId: z.uuid(),
  connection: ref,
  tenantId: z.string(),
  tenantName: z.string(),
  sequence: z.number().int(),
  takenAt: date,
  userCount: z
    .number()
    .int()
    .describe(
      'Every user Xero listed, REMOVED ones included: the users contentHash covers (see activeUserCount)',
    ),
  activeUserCount: z
    .number()
    .int()
    .describe(
      "Users whose role is not REMOVED, who can get in: what a connection's userCount and a review's progress.total count",
    ),
  contentHash: z.string().describe('sha256 (hex) of the canonical JSON of the users'),
  previousHash: z.string().nullable().describe("The previous snapshot's chainHash"),
  previousId: z.uuid().nullable(),
  chainHash: z.string().describe('sha256 (hex) of the canonical link fields'),
  diff: snapshotDiffSchema.describe(
    'Changes in who can get in since the previous snapshot; the first lists everyone with access as joiners',
  ),
  createdAt: date,
});

export const snapshotUserSchema = z.object({
  userId: z.string(),
  email: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  organisationRole: z.string(),
  isSubscriber: z.boolean(),
  updatedDateUtc: date.nullable(),
  twoFactorEnabled: z
    .boolean()
    .nullable()
    .describe("Unknown (null): Xero's API does not report it"),
  lastLoginAt: date.nullable().describe("Unknown (null): Xero's API does not report it"),
});

export const snapshotDetailSchema = snapshotSchema.extend({ users: z.array(snapshotUserSchema) });

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const chainCheckpointSchema = z
  .object({
    sequence: z.number().int().describe('The last snapshot pruned'),
    chainHash: sha256.describe(
      "Its chainHash: an earlier export's record with this sequence has the same",
    ),
    takenAt: date,
  })
  .describe(
    'Only when snapshot retention pruned the oldest snapshots: the chain is verified from here, its first record following this chainHash',
  );
export const snapshotChainSchema = z.object({
  kind: z.literal('xero-access-snapshot-chain'),
  version: z
    .literal(2)
    .describe(
      '2: contents shared by hash; version 1 exports (contentText per record) still verify',
    ),
  connection: z.string(),
  tenantId: z.string(),
  checkpoint: chainCheckpointSchema.optional(),
  contents: z
    .record(sha256, z.string())
    .describe(
      'Each distinct users content once, by its contentHash: the canonical users JSON it covers',
    ),
  records: z
    .array(
      z
        .object({
          id: z.uuid(),
          connection: z.string().describe('namespace/name'),
          tenantId: z.string(),
          tenantName: z.string(),
          sequence: z.number().int(),
          takenAt: date,
          contentHash: sha256.describe('Key of the content in contents'),
          previousHash: sha256.nullable(),
          chainHash: sha256,
        })
        .strict(),
    )
    .describe('Oldest first: the link fields and chainHash'),
  verification: z
    .object({
      ok: z.boolean(),
      connection: z.string().describe('The chain verified (namespace/name): every record is of it'),
      tenantId: z.string(),
      length: z.number().int(),
      headSequence: z
        .number()
        .int()
        .nullable()
        .describe('Keep it with headHash: query.expect=<headSequence>:<headHash> later'),
      headHash: z.string().nullable(),
      problems: z.array(
        z.object({
          snapshotId: z
            .string()
            .nullable()
            .describe('null for an expected link the chain does not hold'),
          sequence: z.number().int(),
          problem: z.enum(CHAIN_PROBLEMS),
          detail: z.string(),
        }),
      ),
      checkpoint: chainCheckpointSchema.optional(),
    })
    .describe("The server's verification of exactly these records"),
});

/** GET /snapshots/{id}/export?format=json (snapshots/evidence-export.ts builds it). */
export const snapshotEvidenceSchema = z.object({
  kind: z.literal('xero-access-snapshot-evidence'),
  version: z.literal(1),
  exportedAt: date,
  snapshot: snapshotSchema,
  contentText: z.string().describe('The canonical users JSON: its sha256 is snapshot.contentHash'),
  users: z.array(snapshotUserSchema).describe('contentText, parsed'),
  digests: z.object({
    contentSha256: sha256.describe('sha256 of contentText'),
    usersCsvSha256: sha256.describe(
      'sha256 of the CSV export of the same snapshot: ties that CSV (only users) to this snapshot',
    ),
  }),
});

export const connectionViewSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  resource: z
    .object({
      spec: z.record(z.string(), z.unknown()),
      status: z.record(z.string(), z.unknown()).nullable(),
      createdAt: date.nullable(),
    })
    .nullable()
    .describe('The XeroConnection resource; null when deleted or the cluster is not configured'),
  tenants: z.array(
    z.object({ tenantId: z.string(), tenantName: z.string(), connectionId: z.string().nullable() }),
  ),
  lastSyncAt: date.nullable(),
  userCount: z
    .number()
    .int()
    .nullable()
    .describe(
      "Users whose role is not REMOVED in the latest snapshots of its tenants (their snapshots' activeUserCount, summed); null before the first sync",
    ),
  deletedAt: date.nullable(),
  openFindings: z.record(z.string(), z.number().int()).describe('Open findings per check'),
});

export const staffSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  orgRole: z.string().nullable(),
  status: z.enum(['active', 'offboarded']),
  offboardedAt: date.nullable(),
  externalId: z.string().nullable(),
  source: z.enum(['manual', 'scim', 'import']),
  deletedAt: date
    .nullable()
    .describe(
      'When the identity provider deleted the person (SCIM DELETE): kept offboarded, with its account links, as audit evidence',
    ),
  createdAt: date,
  updatedAt: date,
});

export const linkSchema = z.object({
  id: z.uuid(),
  userId: z.string().describe('Xero UserID'),
  staffId: z.uuid().nullable(),
  nonHuman: z.boolean(),
  justification: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: date,
  updatedAt: date,
});

const reevaluated = z
  .array(z.string())
  .describe('Connections (namespace/name) asked to re-evaluate now');
const notReevaluated = z
  .array(z.string())
  .describe(
    'Connections (namespace/name) the change touches that could not be asked to re-evaluate now ' +
      '(Redis did not answer for 5 s): the change is saved, and their next scheduled sync re-evaluates them',
  );
export const withReevaluated = <T extends z.ZodObject>(schema: T) =>
  schema.extend({ reevaluated, notReevaluated });
export const importResultSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  skipped: z
    .number()
    .int()
    .describe('Rows for members the identity provider deleted (SCIM DELETE): left as they are'),
  reevaluated,
  notReevaluated,
});

export const reviewProgressSchema = z.object({
  total: z
    .number()
    .int()
    .describe(
      'Users under review: those whose role is not REMOVED in the reviewed snapshot (its activeUserCount)',
    ),
  decided: z.number().int(),
  undecided: z.number().int(),
  keep: z.number().int(),
  revoke: z.number().int(),
  changeRole: z.number().int(),
  awaitingRemediation: z
    .number()
    .int()
    .describe('Revoke / change-role decisions no later snapshot has confirmed yet'),
  remediated: z.number().int(),
});

export const reviewSchema = z.object({
  id: z.uuid(),
  connectionId: z.uuid(),
  tenantId: z.string(),
  snapshotId: z.uuid(),
  title: z.string(),
  status: z.enum(['open', 'completed']),
  createdBy: z.string(),
  createdAt: date,
  dueAt: date.nullable(),
  completedAt: date.nullable(),
  completedBy: z.string().nullable(),
});
export const reviewWithProgressSchema = reviewSchema.extend({ progress: reviewProgressSchema });

export const decisionSchema = z.object({
  id: z.uuid(),
  reviewId: z.uuid(),
  userId: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  organisationRole: z.string(),
  decision: z.enum(['keep', 'revoke', 'change-role']).nullable(),
  newRole: z.string().nullable(),
  comment: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: date.nullable(),
  remediatedAt: date.nullable(),
  remediatedSnapshotId: z.uuid().nullable(),
});

export const decisionEventSchema = z.object({
  id: z.uuid(),
  reviewId: z.uuid(),
  userId: z.string(),
  decision: z.enum(['keep', 'revoke', 'change-role']),
  newRole: z.string().nullable(),
  comment: z.string().nullable(),
  decidedBy: z
    .string()
    .describe('Who recorded this entry: the decision, or a changed comment on the same decision'),
  decidedAt: date.describe('When this entry was recorded'),
  previousDecision: z
    .enum(['keep', 'revoke', 'change-role'])
    .nullable()
    .describe(
      'The decision this one replaced (the same one for a changed comment); null for the first',
    ),
});

export const reviewReportSchema = z.object({
  kind: z.literal('xero-access-review-report'),
  version: z.literal(2),
  generatedAt: date,
  review: reviewWithProgressSchema,
  snapshot: snapshotSchema
    .pick({
      id: true,
      connection: true,
      tenantId: true,
      tenantName: true,
      sequence: true,
      takenAt: true,
      contentHash: true,
      chainHash: true,
    })
    .nullable(),
  decisions: z.array(decisionSchema),
  history: z
    .array(decisionEventSchema)
    .describe('Every decision recorded in the campaign, oldest first, changed ones included'),
  openRemediations: z.array(decisionSchema),
  sha256: z
    .string()
    .describe(
      'sha256 (hex) of the canonical JSON (RFC 8785) of this report without generatedAt and sha256',
    ),
});

export const tokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(['viewer', 'reviewer', 'admin', 'scim']),
  prefix: z.string().describe('The first characters, to recognise it'),
  ownerEmail: z
    .string()
    .nullable()
    .describe(
      'The person the token acts for (lowercased); reviews apply separation of duties to it. Null for a service or shared token',
    ),
  createdBy: z.string().nullable(),
  createdAt: date,
  expiresAt: date.nullable(),
  lastUsedAt: date.nullable(),
  revokedAt: date.nullable(),
});
export const createdTokenSchema = tokenSchema.extend({
  token: z.string().describe('The secret: shown in this response only'),
});

export const auditEntrySchema = z.object({
  id: z.uuid(),
  at: date,
  actor: z.string(),
  actorRole: z.string().nullable(),
  action: z.string().describe('METHOD /route/:param'),
  resourceType: z.string(),
  resourceId: z.string().nullable(),
  sourceIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  outcome: z
    .enum(AUDIT_OUTCOMES)
    .describe(
      'pending: recorded before the write ran; it stays pending while the request runs, or if its outcome could not be recorded (the outcome is unknown)',
    ),
  details: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      "A request's entry: the `status` the caller got and, when refused, `reason` (the message the caller got, credentials replaced) and `field`. A change's own entry (staff.update, link.replace, …): what it overwrote",
    ),
});

export const scimUserSchema = z.object({
  schemas: z.array(z.string()),
  id: z.uuid(),
  externalId: z.string().optional(),
  userName: z.string(),
  name: z.object({ formatted: z.string() }),
  displayName: z.string(),
  emails: z.array(z.object({ value: z.string(), primary: z.boolean(), type: z.string() })),
  roles: z.array(z.object({ value: z.string(), primary: z.boolean() })),
  active: z.boolean(),
  meta: z.object({
    resourceType: z.literal('User'),
    created: date,
    lastModified: date,
    location: z.string(),
    version: z.string(),
  }),
});
export const scimListSchema = z.object({
  schemas: z.array(z.string()),
  totalResults: z.number().int(),
  startIndex: z.number().int(),
  itemsPerPage: z.number().int(),
  Resources: z.array(scimUserSchema),
});
