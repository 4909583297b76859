import { BodyPerMediaType } from '../openapi/body-per-media-type.js';
import { Fails } from '../openapi/error-responses.js';
import { Returns } from '../openapi/returns.js';
import {
  importResultSchema,
  pageOf,
  staffSchema,
  withReevaluated,
} from '../openapi/response-schemas.js';
import { Body, Controller, Get, Headers, HttpCode, Inject, Patch, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Database } from '@xero-access/model';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { auditActorOf } from '../audit/audit-actor.js';
import { Access } from '../auth/access.decorator.js';
import type { RequestWithPrincipal } from '../auth/principal.js';
import { DB } from '../database/database.module.js';
import { dateTime } from '../http/date-time.js';
import { asBodyField, BadRequestField, notFound } from '../http/errors.js';
import { UuidParam } from '../http/params.js';
import { cursorParam, limitParam } from '../http/query-schemas.js';
import { ValidBody, ValidQuery, findNul, openApiSchema } from '../http/zod-validation.js';
import { StaffChanges } from './staff-changes.js';
import {
  IMPORT_COLUMNS,
  type ImportRows,
  importJsonBody,
  importRowError,
  parseStaffCsv,
  parseStaffJson,
} from './staff-import.js';

const listStaffQuery = z
  .object({
    email: z.string().max(320).optional(),
    status: z.enum(['active', 'offboarded']).optional(),
    orgRole: z.string().max(128).optional(),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

const createStaffBody = z
  .object({
    email: z.email({ message: 'must be an email address' }).max(320),
    name: z.string().trim().min(1, 'must not be empty').max(255),
    orgRole: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .nullish()
      .describe('The organisation role the access checks map'),
    status: z.enum(['active', 'offboarded']).optional(),
    offboardedAt: dateTime
      .nullish()
      .describe(
        'When the person left; given without status it offboards them, with status active it is refused. ' +
          "A leaver's cannot be cleared (PATCH with null) while they stay offboarded: reactivate them instead",
      ),
    externalId: z.string().min(1).max(255).nullish(),
  })
  .strict();

const updateStaffBody = createStaffBody.partial().strict();

@ApiTags('staff')
@Controller('staff')
export class StaffController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(StaffChanges) private readonly changes: StaffChanges,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({
    operationId: 'listStaff',
    summary: 'The staff directory, in the order members were added (keyset-paginated)',
    description:
      'Pages follow (createdAt, id), which no change moves, so a walk lists every member who was ' +
      'there when it started exactly once while PATCH, SCIM or imports change the directory. ' +
      'Members added meanwhile come last, or not at all: createdAt is stamped when the request ' +
      'adding them starts and they appear when it commits, so a walk that paged past that time ' +
      'meanwhile (an import runs a while) does not list them; walk again to catch them. ' +
      'Until this release the list was by email, and a renamed member could be skipped or listed ' +
      'twice; a cursor of that order is refused (400 naming query.cursor): list again from the first page.',
  })
  @Returns(pageOf(staffSchema))
  async list(@ValidQuery(listStaffQuery) q: z.output<typeof listStaffQuery>) {
    return this.db.staff.list({
      email: q.email,
      status: q.status,
      orgRole: q.orgRole,
      limit: q.limit,
      cursor: q.cursor ?? null,
    });
  }

  @Get(':id')
  @Access('viewer')
  @ApiOperation({ operationId: 'getStaffMember', summary: 'One staff member' })
  @Returns(staffSchema)
  @Fails([404])
  async get(@UuidParam('id') id: string) {
    const member = await this.db.staff.get(id);
    if (!member) throw notFound('staff member', id);
    return member;
  }

  @Post()
  @Access('admin')
  @ApiOperation({
    operationId: 'createStaffMember',
    summary: 'Add one person to the directory (SCIM or import for many)',
  })
  @Returns(withReevaluated(staffSchema), 201)
  @Fails([409])
  async create(@ValidBody(createStaffBody) body: z.output<typeof createStaffBody>) {
    const created = await this.db.staff
      .create({ ...body, source: 'manual' })
      .catch((error: unknown) => {
        throw asBodyField(error);
      });
    const reevaluation = await this.changes.changed('staff.create', [created]);
    return { ...created, ...reevaluation };
  }

  @Patch(':id')
  @Access('admin')
  @ApiOperation({
    operationId: 'updateStaffMember',
    summary:
      'Change a person (e.g. offboard: {"status":"offboarded"} or {"offboardedAt":"…"}); ' +
      're-evaluates at once; a changed status, offboardedAt, email or orgRole is audited ' +
      '(staff.update, with the previous values)',
  })
  @Returns(withReevaluated(staffSchema))
  @Fails([404, 409])
  async update(
    @UuidParam('id') id: string,
    @ValidBody(updateStaffBody) body: z.output<typeof updateStaffBody>,
    @Req() request: FastifyRequest & RequestWithPrincipal,
  ) {
    const before = await this.db.staff.get(id);
    if (!before) throw notFound('staff member', id);
    const after = await this.db.staff
      .update(id, body, auditActorOf(request))
      .catch((error: unknown) => {
        throw asBodyField(error);
      });
    const reevaluation = await this.changes.changed('staff.update', [before, after]);
    return { ...after, ...reevaluation };
  }

  @Post('import')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({
    operationId: 'importStaff',
    summary:
      `Bulk upsert by email, all or nothing: CSV (text/csv, header ${IMPORT_COLUMNS.join(',')}) or a JSON array. ` +
      'A column (JSON key) left out keeps the current value, an empty cell (null) clears it; ' +
      'a row with offboardedAt and no status offboards (with status active it is refused); ' +
      'members the identity provider deleted are skipped, and a row making one active is refused',
  })
  @BodyPerMediaType({
    'application/json': openApiSchema(importJsonBody),
    'text/csv': {
      type: 'string',
      description: `CSV with a header naming any of ${IMPORT_COLUMNS.join(',')} (email and name required)`,
    },
  })
  @Returns(importResultSchema)
  @Fails([400, 409, 413])
  async import(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Req() request: FastifyRequest & RequestWithPrincipal,
  ) {
    const nul = findNul(body);
    if (nul)
      throw new BadRequestField(['body', ...nul].join('.'), 'must not contain NUL characters');
    let parsed: ImportRows;
    const csv = (contentType ?? '').startsWith('text/csv');
    if (csv) {
      if (typeof body !== 'string') throw new BadRequestField('body', 'expected CSV text');
      parsed = parseStaffCsv(body);
    } else {
      if (!Array.isArray(body))
        throw new BadRequestField('body', 'expected a JSON array of staff members (or text/csv)');
      parsed = parseStaffJson(body);
    }
    const { rows } = parsed;
    if (rows.length === 0) throw new BadRequestField('body', 'holds no rows');
    const { updatedIds, ...counts } = await this.db.staff
      .importMany(
        rows.map((r) => ({ ...r, source: 'import' as const })),
        auditActorOf(request),
      )
      .catch((error: unknown) => {
        throw importRowError(error, parsed);
      });
    const reevaluation = await this.changes.imported(
      'staff.import',
      rows.map((r) => r.email),
      updatedIds,
    );
    return { ...counts, ...reevaluation };
  }
}
