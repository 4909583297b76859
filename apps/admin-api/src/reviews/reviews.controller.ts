import { Fails } from '../openapi/error-responses.js';
import { Returns } from '../openapi/returns.js';
import {
  decisionEventSchema,
  decisionSchema,
  listOf,
  pageOf,
  reviewReportSchema,
  reviewSchema,
  reviewWithProgressSchema,
} from '../openapi/response-schemas.js';
import { Controller, Get, HttpCode, Inject, Post, Put, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReviewAlreadyOpenError, type Database } from '@xero-access/model';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { Access } from '../auth/access.decorator.js';
import type { Principal } from '../auth/principal.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { DB } from '../database/database.module.js';
import { asBodyField, notFound } from '../http/errors.js';
import { UuidParam, XeroUserIdParam } from '../http/params.js';
import { pageQuery } from '../http/query-schemas.js';
import { sendStreamedJson } from '../http/streamed-json.js';
import { ValidBody, ValidQuery } from '../http/zod-validation.js';
import { LOGGER } from '../logging/logger.module.js';
import {
  createReviewBody,
  decideBody,
  listReviewsQuery,
  reviewAlreadyOpenSchema,
  reviewLocation,
} from './reviews.schemas.js';

/** Access review campaigns: one per tenant snapshot, a decision per user, a report as evidence. */
@ApiTags('access reviews')
@Controller('reviews')
export class ReviewsController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({
    operationId: 'listReviews',
    summary: 'Review campaigns, newest first (keyset-paginated)',
  })
  @Returns(pageOf(reviewSchema))
  async list(@ValidQuery(listReviewsQuery) q: z.output<typeof listReviewsQuery>) {
    return this.db.reviews.list(
      { connection: q.connection, status: q.status },
      { limit: q.limit, cursor: q.cursor ?? null },
    );
  }

  @Post()
  @Access('reviewer')
  @ApiOperation({
    operationId: 'startReview',
    summary: "Start a campaign over a tenant's latest snapshot",
    description:
      'At most one campaign is open per snapshot (connection, tenant and snapshot): while one is, ' +
      'this answers 409 with its id in `reviewId` and its path in `Location`, and starts nothing. ' +
      'So a request retried after a timeout cannot start a second campaign: on 409, continue the ' +
      'one `reviewId` names (GET /reviews/{id}). A later snapshot may have its own. A tenant the ' +
      'connection has no snapshot of is a 400 naming body.tenantId; an unknown connection a 404.',
  })
  @Returns(reviewWithProgressSchema, 201)
  @Returns(reviewAlreadyOpenSchema, 409, 'A campaign is already open over this snapshot', {
    Location: {
      description: 'The open campaign (`/reviews/<reviewId>`)',
      required: true,
      schema: { type: 'string', format: 'uri-reference' },
    },
  })
  @Fails([404])
  async create(
    @ValidBody(createReviewBody) body: z.output<typeof createReviewBody>,
    @CurrentPrincipal() who: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    let review;
    try {
      review = await this.db.reviews.create({
        connection: body.connection,
        tenantId: body.tenantId,
        title: body.title,
        dueAt: body.dueAt ?? null,
        createdBy: who.actor,
      });
    } catch (error) {
      if (error instanceof ReviewAlreadyOpenError)
        void reply.header('location', reviewLocation(error.review.id));
      throw asBodyField(error);
    }
    return this.db.reviews.get(review.id);
  }

  @Get(':id')
  @Access('viewer')
  @ApiOperation({ operationId: 'getReview', summary: 'A campaign with its progress' })
  @Returns(reviewWithProgressSchema)
  @Fails([404])
  async get(@UuidParam('id') id: string) {
    const review = await this.db.reviews.get(id);
    if (!review) throw notFound('access review', id);
    return review;
  }

  @Get(':id/items')
  @Access('viewer')
  @ApiOperation({
    operationId: 'listReviewItems',
    summary: 'The users under review and their decisions, by email then UserID (keyset-paginated)',
    description:
      'A page at a time, with `limit` and `cursor` as on the other lists: a review has an item ' +
      'per user of the tenant. Until this release every item came in one answer, without ' +
      '`nextCursor`; follow `nextCursor` until it is null to read them all.',
  })
  @Returns(pageOf(decisionSchema))
  @Fails([404])
  async items(@UuidParam('id') id: string, @ValidQuery(pageQuery) q: z.output<typeof pageQuery>) {
    return this.db.reviews.decisionsPage(id, { limit: q.limit, cursor: q.cursor ?? null });
  }

  @Put(':id/items/:userId')
  @Access('reviewer')
  @ApiOperation({
    operationId: 'decideReviewItem',
    summary: 'Decide keep / revoke / change-role for one user, with a comment',
    description:
      'A changed decision keeps the earlier ones in the history. The decision the user has ' +
      'already (same `decision` and `newRole`) is no new decision: with the same `comment` (a ' +
      'retried request) nothing changes and the item is answered as it stands, a remediation a ' +
      'later sync confirmed included; with another `comment` only the comment changes, with a ' +
      'history entry for it (by the caller, at that time), while `decidedBy`, `decidedAt` and ' +
      'the remediation stay. Separation of duties: a caller ' +
      'may not decide on their own Xero access (403), and a caller whose credential vouches for ' +
      'no email (a verified OIDC email, or an API token with an ownerEmail) may not decide at ' +
      'all (403 naming what to configure), since the rule could not be checked. A change-role ' +
      "names one of Xero's roles (body.newRole), never the one the user holds in the reviewed " +
      'snapshot (400).',
  })
  @Returns(decisionSchema)
  @Fails([404, 409])
  async decide(
    @UuidParam('id') id: string,
    @XeroUserIdParam('userId') userId: string,
    @ValidBody(decideBody) body: z.output<typeof decideBody>,
    @CurrentPrincipal() who: Principal,
  ) {
    try {
      return await this.db.reviews.decide(id, userId, {
        decision: body.decision,
        newRole: body.newRole ?? null,
        comment: body.comment ?? null,
        by: who.actor,
        reviewerEmail: who.email,
        noReviewerEmailReason: who.noEmailReason,
      });
    } catch (error) {
      throw asBodyField(error);
    }
  }

  @Get(':id/items/:userId/history')
  @Access('viewer')
  @ApiOperation({
    operationId: 'listReviewItemHistory',
    summary: 'Every decision recorded for one user, oldest first',
  })
  @Returns(listOf(decisionEventSchema))
  @Fails([404])
  async history(@UuidParam('id') id: string, @XeroUserIdParam('userId') userId: string) {
    return { items: await this.db.reviews.history(id, userId) };
  }

  @Post(':id/complete')
  @HttpCode(200)
  @Access('reviewer')
  @ApiOperation({
    operationId: 'completeReview',
    summary: 'Close the campaign (every user decided)',
  })
  @Returns(reviewWithProgressSchema)
  @Fails([404, 409])
  async complete(@UuidParam('id') id: string, @CurrentPrincipal() who: Principal) {
    return this.db.reviews.complete(id, who.actor);
  }

  @Get(':id/report')
  @Access('viewer')
  @ApiOperation({
    operationId: 'getReviewReport',
    summary:
      'Completion report as evidence: campaign, snapshot hashes, every decision and its history, open remediations, sha256 digest',
    description:
      'Streamed as it is read from the database, a page at a time, its members in canonical ' +
      'order (RFC 8785) with `generatedAt` and `sha256` last: a body cut short has no `sha256`. ' +
      'A sync recorded while it is read does not count: the report is as of the snapshots ' +
      'recorded when it started. Download it once the review is completed: an open one may ' +
      'still change while it is read.',
  })
  @Returns(reviewReportSchema)
  @Fails([404])
  async report(@UuidParam('id') id: string, @Res() reply: FastifyReply) {
    const report = await this.db.reviews.exportReport(id);
    if (!report) throw notFound('access review', id);
    await sendStreamedJson(reply, report.text(), this.logger, 'review report failed midway');
  }
}
