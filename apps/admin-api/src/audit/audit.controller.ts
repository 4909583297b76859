import { Returns } from '../openapi/returns.js';
import { auditEntrySchema, pageOf } from '../openapi/response-schemas.js';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Database } from '@xero-access/model';
import { z } from 'zod';
import { Access } from '../auth/access.decorator.js';
import { DB } from '../database/database.module.js';
import { dateTime } from '../http/date-time.js';
import { cursorParam, limitParam } from '../http/query-schemas.js';
import { ValidQuery } from '../http/zod-validation.js';

const auditQuery = z
  .object({
    actor: z.string().max(255).optional(),
    action: z
      .string()
      .max(128)
      .optional()
      .describe('e.g. `PATCH /staff/:id`, or `staff.update` for the values a change overwrote'),
    resourceType: z.string().max(64).optional(),
    resourceId: z.string().max(512).optional(),
    since: dateTime
      .optional()
      .describe(
        'Entries stamped (`at`) at or after this instant. Entries appear when their transaction commits, not in `at` order, and a `pending` entry is settled in place later: poll from the newest `at` you hold minus the longest write transaction (10 minutes with the defaults), or from your oldest `pending` entry, keeping entries by `id`',
      ),
    until: dateTime.optional().describe('Entries stamped before this instant'),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

@ApiTags('audit log')
@Controller('audit-log')
export class AuditController {
  constructor(@Inject(DB) private readonly db: Database) {}

  @Get()
  @Access('admin')
  @ApiOperation({
    operationId: 'listAuditEntries',
    summary: 'Every write through this API, newest first',
  })
  @Returns(pageOf(auditEntrySchema))
  async list(@ValidQuery(auditQuery) q: z.output<typeof auditQuery>) {
    const { limit, cursor, ...filter } = q;
    return this.db.audit.list(filter, { limit, cursor: cursor ?? null });
  }
}
