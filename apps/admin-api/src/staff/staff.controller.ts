import { Body, Controller, Get, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Database } from '@xero-access/model';
import { z } from 'zod';
import { Access } from '../auth/access.decorator.js';
import { DB } from '../database/database.module.js';
import { BadRequestField, notFound } from '../http/errors.js';
import { UuidParam } from '../http/params.js';
import { cursorParam, limitParam } from '../http/query-schemas.js';
import { ValidQuery, findNul, openApiSchema } from '../http/zod-validation.js';
import { StaffChanges } from './staff-changes.js';
import { IMPORT_COLUMNS, importJsonBody, parseStaffCsv, parseStaffJson } from './staff-import.js';

const listStaffQuery = z
  .object({
    email: z.string().max(320).optional(),
    status: z.enum(['active', 'offboarded']).optional(),
    orgRole: z.string().max(128).optional(),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

@ApiTags('staff')
@Controller('staff')
export class StaffController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(StaffChanges) private readonly changes: StaffChanges,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'The staff directory, by email' })
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
  @ApiOperation({ summary: 'One staff member' })
  async get(@UuidParam('id') id: string) {
    const member = await this.db.staff.get(id);
    if (!member) throw notFound('staff member', id);
    return member;
  }

  @Post('import')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({
    summary: `Bulk upsert by email, all or nothing: CSV (text/csv, header ${IMPORT_COLUMNS.join(',')}) or a JSON array`,
  })
  @ApiConsumes('application/json', 'text/csv')
  @ApiBody({
    schema: {
      oneOf: [
        openApiSchema(importJsonBody),
        { type: 'string', description: `CSV with header ${IMPORT_COLUMNS.join(',')}` },
      ],
    },
  })
  async import(@Body() body: unknown, @Headers('content-type') contentType: string | undefined) {
    const nul = findNul(body);
    if (nul)
      throw new BadRequestField(['body', ...nul].join('.'), 'must not contain NUL characters');
    let rows;
    if ((contentType ?? '').startsWith('text/csv')) {
      if (typeof body !== 'string') throw new BadRequestField('body', 'expected CSV text');
      rows = parseStaffCsv(body);
    } else {
      if (!Array.isArray(body))
        throw new BadRequestField('body', 'expected a JSON array of staff members (or text/csv)');
      rows = parseStaffJson(body);
    }
    if (rows.length === 0) throw new BadRequestField('body', 'holds no rows');
    const result = await this.db.staff.importMany(
      rows.map((r) => ({ ...r, source: 'import' as const })),
    );
    const reevaluated = await this.changes.imported(
      'staff.import',
      rows.map((r) => r.email),
    );
    return { ...result, reevaluated };
  }
}
