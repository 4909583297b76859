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
import { Controller, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Database } from '@xero-access/model';
import type { z } from 'zod';
import { Access } from '../auth/access.decorator.js';
import type { Principal } from '../auth/principal.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { DB } from '../database/database.module.js';
import { asBodyField, notFound } from '../http/errors.js';
import { UuidParam, XeroUserIdParam } from '../http/params.js';
import { ValidBody, ValidQuery } from '../http/zod-validation.js';
import { createReviewBody, decideBody, listReviewsQuery } from './reviews.schemas.js';

/** Access review campaigns: one per tenant snapshot, a decision per user, a report as evidence. */
@ApiTags('access reviews')
@Controller('reviews')
export class ReviewsController {
  constructor(@Inject(DB) private readonly db: Database) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'Review campaigns, newest first (keyset-paginated)' })
  @Returns(pageOf(reviewSchema))
  async list(@ValidQuery(listReviewsQuery) q: z.output<typeof listReviewsQuery>) {
    return this.db.reviews.list(
      { connection: q.connection, status: q.status },
      { limit: q.limit, cursor: q.cursor ?? null },
    );
  }

  @Post()
  @Access('reviewer')
  @ApiOperation({ summary: "Start a campaign over a tenant's latest snapshot" })
  @Returns(reviewWithProgressSchema, 201)
  @Fails([404, 409])
  async create(
    @ValidBody(createReviewBody) body: z.output<typeof createReviewBody>,
    @CurrentPrincipal() who: Principal,
  ) {
    const review = await this.db.reviews.create({
      connection: body.connection,
      tenantId: body.tenantId,
      title: body.title,
      dueAt: body.dueAt ?? null,
      createdBy: who.actor,
    });
    return this.db.reviews.get(review.id);
  }

  @Get(':id')
  @Access('viewer')
  @ApiOperation({ summary: 'A campaign with its progress' })
  @Returns(reviewWithProgressSchema)
  @Fails([404])
  async get(@UuidParam('id') id: string) {
    const review = await this.db.reviews.get(id);
    if (!review) throw notFound('access review', id);
    return review;
  }

  @Get(':id/items')
  @Access('viewer')
  @ApiOperation({ summary: 'The users under review and their decisions' })
  @Returns(listOf(decisionSchema))
  @Fails([404])
  async items(@UuidParam('id') id: string) {
    return { items: await this.db.reviews.decisions(id) };
  }

  @Put(':id/items/:userId')
  @Access('reviewer')
  @ApiOperation({
    summary: 'Decide keep / revoke / change-role for one user, with a comment',
    description:
      'A changed decision keeps the earlier ones in the history. Separation of duties: a caller ' +
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
  @ApiOperation({ summary: 'Every decision recorded for one user, oldest first' })
  @Returns(listOf(decisionEventSchema))
  @Fails([404])
  async history(@UuidParam('id') id: string, @XeroUserIdParam('userId') userId: string) {
    return { items: await this.db.reviews.history(id, userId) };
  }

  @Post(':id/complete')
  @HttpCode(200)
  @Access('reviewer')
  @ApiOperation({ summary: 'Close the campaign (every user decided)' })
  @Returns(reviewWithProgressSchema)
  @Fails([404, 409])
  async complete(@UuidParam('id') id: string, @CurrentPrincipal() who: Principal) {
    return this.db.reviews.complete(id, who.actor);
  }

  @Get(':id/report')
  @Access('viewer')
  @ApiOperation({
    summary:
      'Completion report as evidence: campaign, snapshot hashes, every decision and its history, open remediations, sha256 digest',
  })
  @Returns(reviewReportSchema)
  @Fails([404])
  async report(@UuidParam('id') id: string) {
    const report = await this.db.reviews.report(id);
    if (!report) throw notFound('access review', id);
    return report;
  }
}
