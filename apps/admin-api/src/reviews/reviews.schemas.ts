import { XERO_ROLES } from '@xero-access/crd';
import { REVIEW_DECISIONS } from '@xero-access/model';
import { z } from 'zod';
import { connectionKeyParam } from '../connections/connection-key.js';
import { dateTime } from '../http/date-time.js';
import { cursorParam, limitParam } from '../http/query-schemas.js';
import { errorBodySchema } from '../openapi/error-responses.js';

export const createReviewBody = z
  .object({
    connection: connectionKeyParam.describe('namespace/name of the XeroConnection'),
    tenantId: z
      .string()
      .min(1)
      .max(64)
      .describe(
        'Which tenant; its latest snapshot is reviewed. A tenant the connection has no snapshot of is a 400 naming body.tenantId',
      ),
    title: z.string().trim().min(1, 'must not be empty').max(255),
    dueAt: dateTime
      .optional()
      .describe(
        'When the campaign is to be completed by: in the future (400 otherwise). An open campaign past it counts in the reconciler metric xao_reviews_overdue',
      ),
  })
  .strict();

export const decideBody = z
  .object({
    decision: z.enum(REVIEW_DECISIONS),
    newRole: z
      .enum(XERO_ROLES)
      .optional()
      .describe(
        'Required for change-role: the Xero role the user should hold, not the one they hold (400); the decision is remediated once a later snapshot shows it',
      ),
    comment: z.string().max(10_000).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.decision === 'change-role' && !d.newRole)
      ctx.addIssue({
        code: 'custom',
        path: ['newRole'],
        message: 'is required when decision is change-role',
      });
    if (d.decision !== 'change-role' && d.newRole)
      ctx.addIssue({
        code: 'custom',
        path: ['newRole'],
        message: 'is only allowed with decision change-role',
      });
  });

export const listReviewsQuery = z
  .object({
    connection: connectionKeyParam.optional(),
    status: z.enum(['open', 'completed']).optional(),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

/** POST /reviews' 409: the error body, with the id of the campaign already open over the snapshot. */
export const reviewAlreadyOpenSchema = errorBodySchema.extend({
  reviewId: z
    .uuid()
    .describe(
      'The campaign already open over this snapshot: continue it (GET /reviews/{reviewId})',
    ),
});

/** The 409's Location: the open campaign, as a path (`/reviews/<id>`). */
export const reviewLocation = (id: string) => `/reviews/${id}`;
