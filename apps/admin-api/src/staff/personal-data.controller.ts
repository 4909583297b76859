import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Database, StaffErasure } from '@xero-access/model';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { auditActorOf } from '../audit/audit-actor.js';
import { Audited } from '../audit/audited.decorator.js';
import { Access } from '../auth/access.decorator.js';
import type { RequestWithPrincipal } from '../auth/principal.js';
import { DB } from '../database/database.module.js';
import { notFound } from '../http/errors.js';
import { UuidParam } from '../http/params.js';
import { sendStreamedJson } from '../http/streamed-json.js';
import { LOGGER } from '../logging/logger.module.js';
import { Fails } from '../openapi/error-responses.js';
import { Returns } from '../openapi/returns.js';
import { erasureResultSchema, subjectExportSchema } from './personal-data.schemas.js';

/**
 * The rights of the people the staff directory names (GDPR Art. 15 and 17): admin only, and both
 * audited (the export is a GET that is recorded). What each covers: docs/personal-data.md.
 */
@ApiTags('staff')
@Controller('staff')
export class PersonalDataController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get(':id/export')
  @Access('admin')
  @Audited()
  @ApiOperation({
    operationId: 'exportStaffMemberData',
    summary:
      "Subject access (GDPR Art. 15): everything stored about one person, the member's record " +
      '(deleted ones too), their Xero users, links, tokens, findings, review items and campaigns ' +
      'about or by them, and audit entries',
    description:
      'Audited (the audit log records who exported whom). Streamed as it is read from the ' +
      'database, a page at a time, with `complete: true` last: a body cut short has none. ' +
      'Snapshot contents are not repeated: `snapshots` says where they are.',
  })
  @Returns(subjectExportSchema)
  @Fails([404])
  async export(@UuidParam('id') id: string, @Res() reply: FastifyReply) {
    const found = await this.db.subjects.export(id);
    if (!found) throw notFound('staff member', id);
    await sendStreamedJson(reply, found.text(), this.logger, 'subject export failed midway');
  }

  @Post(':id/erase')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({
    operationId: 'eraseStaffMember',
    summary:
      "Erasure (GDPR Art. 17): replaces the member's name, email and externalId, and their name " +
      'and email in review items, with placeholders; hashed evidence is kept',
    description:
      'Refused with 409, naming why, while the member is not deleted (SCIM DELETE sets deletedAt: ' +
      'until then the identity provider would write them back), while a Xero user tied to the ' +
      "member (an account link, or their email in a tenant's newest snapshot) has a role other " +
      'than REMOVED in the newest snapshot of a tenant still connected, or while a finding about ' +
      'one is open or accepted. Rows that name only an email another staff member holds too are ' +
      'left as they are (`emailTies`). Audited (`staff.erase`, naming no email).',
  })
  @Returns(erasureResultSchema)
  @Fails([404, 409])
  erase(
    @UuidParam('id') id: string,
    @Req() request: FastifyRequest & RequestWithPrincipal,
  ): Promise<StaffErasure> {
    return this.db.subjects.erase(id, auditActorOf(request));
  }
}
