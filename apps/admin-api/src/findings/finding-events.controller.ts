import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Database } from '@xero-access/model';
import type { z } from 'zod';
import { Access } from '../auth/access.decorator.js';
import { DB } from '../database/database.module.js';
import { ValidQuery } from '../http/zod-validation.js';
import { Fails } from '../openapi/error-responses.js';
import { Returns } from '../openapi/returns.js';
import { findingChangePageSchema, findingChangesQuery } from './findings.schemas.js';

/** The changes feed: every state change of every finding, for clients that keep a copy. */
@ApiTags('findings')
@Controller('finding-events')
export class FindingEventsController {
  constructor(@Inject(DB) private readonly db: Database) {}

  @Get()
  @Access('viewer')
  @ApiOperation({
    operationId: 'listFindingChanges',
    summary: 'Every state change of every finding, in a fixed order, from a cursor',
    description:
      'Opened, resolved, reopened, accepted, accepted-expired and acceptance-revoked, each with its finding, check, subject, connection and tenant, time and actor. ' +
      'Follow `nextCursor` while `hasMore`, then keep the last `nextCursor` and read from it next time: every change is listed exactly once, in the same order on every read, also while syncs and people change findings meanwhile. ' +
      'Unlike a listing, `nextCursor` is not null at the end: it is where the next changes will come. ' +
      "A change made after another committed comes after it (so one finding's changes are in the order they happened). " +
      'A change is listed once the database transactions that were writing when it was made have ended, normally within a second. ' +
      'Changes made before this feed existed come first, by time. ' +
      'A cursor names the change it was read up to: after the database was restored from a backup taken before that change, the cursor is answered 410 naming `query.cursor` (never an empty page that looks current); read again from the start, without cursor, and skip the changes you hold by `id`.',
  })
  @Returns(findingChangePageSchema)
  @Fails([410])
  async list(@ValidQuery(findingChangesQuery) q: z.output<typeof findingChangesQuery>) {
    return this.db.findings.changes(q.connection ? { connection: q.connection } : {}, {
      limit: q.limit,
      cursor: q.cursor ?? null,
    });
  }
}
