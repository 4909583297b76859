import { Fails } from '../openapi/error-responses.js';
import { Returns } from '../openapi/returns.js';
import { linkSchema, pageOf, withReevaluated } from '../openapi/response-schemas.js';
import { Controller, Delete, Get, HttpCode, Inject, Put, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Database } from '@xero-access/model';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { auditActorOf } from '../audit/audit-actor.js';
import { Access } from '../auth/access.decorator.js';
import { AUDIT_RESOURCE_ID, type RequestWithPrincipal } from '../auth/principal.js';
import { DB } from '../database/database.module.js';
import { asBodyField, notFound } from '../http/errors.js';
import { XeroUserIdParam } from '../http/params.js';
import { cursorParam, limitParam } from '../http/query-schemas.js';
import { ValidBody, ValidQuery } from '../http/zod-validation.js';
import { Reevaluation } from '../reevaluation/reevaluation.service.js';

const listLinksQuery = z
  .object({
    staffId: z.uuid({ message: 'must be a UUID' }).optional(),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

const linkBody = z.union([
  z
    .object({
      staffId: z.uuid({ message: 'must be a UUID' }).describe('The staff member this Xero user is'),
    })
    .strict(),
  z
    .object({
      nonHuman: z.literal(true).describe('A service account or external adviser'),
      justification: z
        .string()
        .trim()
        .min(1, 'must explain why this account has no person')
        .max(10_000),
    })
    .strict(),
]);

/** Account links: Xero UserID → staff member, or non-human with a justification. */
@ApiTags('account links')
@Controller('links')
export class LinksController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(Reevaluation) private readonly reevaluation: Reevaluation,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ operationId: 'listAccountLinks', summary: 'Account links by Xero UserID' })
  @Returns(pageOf(linkSchema))
  async list(@ValidQuery(listLinksQuery) q: z.output<typeof listLinksQuery>) {
    return this.db.links.list({ staffId: q.staffId, limit: q.limit, cursor: q.cursor ?? null });
  }

  @Get(':userId')
  @Access('viewer')
  @ApiOperation({ operationId: 'getAccountLink', summary: 'The link of one Xero user' })
  @Returns(linkSchema)
  @Fails([404])
  async get(@XeroUserIdParam('userId') userId: string) {
    const link = await this.db.links.get(userId);
    if (!link) throw notFound('account link', userId);
    return link;
  }

  @Put(':userId')
  @Access('admin')
  @ApiOperation({
    operationId: 'setAccountLink',
    summary:
      'Link a Xero user to a staff member, or mark it non-human with a justification; re-evaluates ' +
      'at once; replacing a link with another target is audited (link.replace, with the previous one)',
  })
  @Returns(withReevaluated(linkSchema))
  // Two first links of one user at once: the second's insert breaks the unique key (retry it).
  @Fails([409])
  async put(
    @XeroUserIdParam('userId') userId: string,
    @ValidBody(linkBody) body: z.output<typeof linkBody>,
    @Req() request: FastifyRequest & RequestWithPrincipal,
  ) {
    const link = await this.db.links
      .link(userId, body, auditActorOf(request))
      .catch((error: unknown) => {
        throw asBodyField(error);
      });
    // The stored (lowercase) UserID is the one snapshots hold, whatever case the path used.
    request[AUDIT_RESOURCE_ID] = link.userId;
    const reevaluation = await this.reevaluation.after('link.put', { userIds: [link.userId] });
    return { ...link, ...reevaluation };
  }

  @Delete(':userId')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({
    operationId: 'deleteAccountLink',
    summary:
      'Remove a link (matching falls back to email); re-evaluates at once; audited (link.delete, ' +
      'with the link as it was)',
  })
  @Returns(withReevaluated(z.object({ userId: z.string(), deleted: z.literal(true) })))
  @Fails([404])
  async remove(
    @XeroUserIdParam('userId') userId: string,
    @Req() request: FastifyRequest & RequestWithPrincipal,
  ) {
    const removed = await this.db.links.unlink(userId, auditActorOf(request));
    request[AUDIT_RESOURCE_ID] = removed.userId;
    const reevaluation = await this.reevaluation.after('link.delete', {
      userIds: [removed.userId],
    });
    return { userId: removed.userId, deleted: true, ...reevaluation };
  }
}
