import { Fails } from '../openapi/error-responses.js';
import { Returns } from '../openapi/returns.js';
import { scimListSchema, scimUserSchema } from '../openapi/response-schemas.js';
import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Patch,
  Post,
  Put,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Database, StaffRecord } from '@xero-access/model';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { auditActorOf } from '../audit/audit-actor.js';
import { Access } from '../auth/access.decorator.js';
import type { RequestWithPrincipal } from '../auth/principal.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { DB } from '../database/database.module.js';
import { UuidParam } from '../http/params.js';
import { ValidBody, ValidQuery } from '../http/zod-validation.js';
import { LOGGER } from '../logging/logger.module.js';
import { StaffChanges } from '../staff/staff-changes.js';
import { staffFromScim } from './scim-mapping.js';
import { staffPatchFromScim } from './scim-patch.js';
import { parseScimFilter } from './scim-filter.js';
import { scimListQuery, scimPatchBody, scimUserBody } from './scim.schemas.js';
import { ScimExceptionFilter } from './scim.filter.js';
import { SCIM_CONTENT_TYPE, SCIM_LIST, ScimError, toScimUser } from './scim.types.js';

const MAX_COUNT = 200;

/** SCIM 2.0 Users (RFC 7643/7644) for Okta, Entra ID or an HR system: the staff directory. */
@ApiTags('scim')
@Controller('scim/v2/Users')
@UseFilters(ScimExceptionFilter)
export class ScimUsersController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(StaffChanges) private readonly changes: StaffChanges,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private view(s: StaffRecord) {
    return toScimUser(s, this.config.publicUrl.replace(/\/$/, ''));
  }

  /** A member the identity provider deleted is kept as audit evidence but gone here (RFC 7644 §3.6). */
  private async existing(id: string): Promise<StaffRecord> {
    const s = await this.db.staff.get(id);
    if (!s || s.deletedAt) throw new ScimError(404, `User ${id} not found`);
    return s;
  }

  @Get()
  @Access('scim')
  @Header('content-type', SCIM_CONTENT_TYPE)
  @ApiOperation({
    operationId: 'listScimUsers',
    summary: 'List users; filter=userName eq "…" or externalId eq "…"',
  })
  @Returns(scimListSchema)
  async list(@ValidQuery(scimListQuery) q: z.output<typeof scimListQuery>) {
    const startIndex = Math.max(1, q.startIndex ?? 1);
    const count = Math.min(MAX_COUNT, Math.max(0, q.count ?? 100));
    let all: StaffRecord[];
    if (q.filter) {
      const filter = parseScimFilter(q.filter);
      const found =
        filter.attribute === 'userName'
          ? await this.db.staff.getByEmail(filter.value)
          : await this.db.staff.getByExternalId(filter.value);
      all = found && !found.deletedAt ? [found] : [];
    } else {
      all = (await this.db.staff.all()).filter((s) => !s.deletedAt);
    }
    const page = all.slice(startIndex - 1, startIndex - 1 + count);
    return {
      schemas: [SCIM_LIST],
      totalResults: all.length,
      startIndex,
      itemsPerPage: page.length,
      Resources: page.map((s) => this.view(s)),
    };
  }

  @Get(':id')
  @Access('scim')
  @Header('content-type', SCIM_CONTENT_TYPE)
  @ApiOperation({ operationId: 'getScimUser', summary: 'One user' })
  @Returns(scimUserSchema)
  @Fails([404])
  async get(@UuidParam('id') id: string) {
    return this.view(await this.existing(id));
  }

  @Post()
  @HttpCode(201)
  @Access('scim')
  @Header('content-type', SCIM_CONTENT_TYPE)
  @ApiOperation({
    operationId: 'createScimUser',
    summary:
      'Create (provision) a user; the userName and externalId of a deleted user (or its userName, ' +
      'when neither has an externalId) revive that record (same id, a rehire; the audit log keeps ' +
      'what it overwrote); otherwise a new user is created and the deleted one keeps its record',
  })
  @Returns(scimUserSchema, 201, 'Created', {
    Location: {
      description: "The user's URL (meta.location)",
      required: true,
      schema: { type: 'string', format: 'uri' },
    },
  })
  @Fails([409])
  async create(
    @ValidBody(scimUserBody) body: z.output<typeof scimUserBody>,
    @Req() request: FastifyRequest & RequestWithPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { record: created } = await this.db.staff.provision(
      staffFromScim(body),
      auditActorOf(request),
    );
    await this.changes.changed('scim.create', [created]);
    const view = this.view(created);
    void reply.header('location', view.meta.location);
    return view;
  }

  @Put(':id')
  @Access('scim')
  @Header('content-type', SCIM_CONTENT_TYPE)
  @ApiOperation({
    operationId: 'replaceScimUser',
    summary: 'Replace a user; without `active` the user keeps their status and offboarding date',
  })
  @Returns(scimUserSchema)
  @Fails([404, 409])
  async replace(
    @UuidParam('id') id: string,
    @ValidBody(scimUserBody) body: z.output<typeof scimUserBody>,
    @Req() request: FastifyRequest & RequestWithPrincipal,
  ) {
    const before = await this.existing(id);
    const after = await this.db.staff.replace(
      id,
      staffFromScim(body, before),
      auditActorOf(request),
    );
    await this.changes.changed('scim.replace', [before, after]);
    return this.view(after);
  }

  @Patch(':id')
  @Access('scim')
  @Header('content-type', SCIM_CONTENT_TYPE)
  @ApiOperation({
    operationId: 'patchScimUser',
    summary:
      'PatchOp: active (offboard / reactivate), userName, displayName, name.formatted, ' +
      'externalId, title, roles, and the work email for a userName that is not an email; ' +
      'attributes the directory does not keep (name.givenName, phoneNumbers, extension schemas ' +
      'such as the enterprise department or manager) are ignored, as PUT ignores them',
  })
  @Returns(scimUserSchema)
  @Fails([404, 409])
  async patch(
    @UuidParam('id') id: string,
    @ValidBody(scimPatchBody) body: z.output<typeof scimPatchBody>,
    @Req() request: FastifyRequest & RequestWithPrincipal,
  ) {
    const before = await this.existing(id);
    const { patch, ignoredPaths } = staffPatchFromScim(body, before);
    if (ignoredPaths.length)
      this.logger.debug({ staffId: id, ignoredPaths }, 'SCIM PATCH ignored attributes not kept');
    const after = Object.keys(patch).length
      ? await this.db.staff.update(id, patch, auditActorOf(request))
      : before;
    await this.changes.changed('scim.patch', [before, after]);
    return this.view(after);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted for SCIM; kept offboarded as audit evidence' })
  @Access('scim')
  @ApiOperation({
    operationId: 'deleteScimUser',
    summary:
      'Delete a user: SCIM no longer returns it (404), but the staff record is kept offboarded ' +
      "(offboardedAt kept, else now; deletedAt set) with its account links, so the leaver's " +
      'remaining Xero access is still reported as offboarded-access-removed (audit evidence)',
  })
  @Fails([404])
  async remove(@UuidParam('id') id: string, @Req() request: FastifyRequest & RequestWithPrincipal) {
    const before = await this.existing(id);
    const after = await this.db.staff.markDeleted(id, auditActorOf(request));
    await this.changes.changed('scim.delete', [before, after]);
  }
}
