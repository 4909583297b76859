import { Readable } from 'node:stream';
import { Fails } from '../openapi/error-responses.js';
import { z } from 'zod';
import { Returns } from '../openapi/returns.js';
import {
  pageOf,
  snapshotChainSchema,
  snapshotDetailSchema,
  snapshotDiffSchema,
  snapshotSchema,
} from '../openapi/response-schemas.js';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Database } from '@xero-access/model';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Access } from '../auth/access.decorator.js';
import { DB } from '../database/database.module.js';
import { LOGGER } from '../logging/logger.module.js';
import { notFound } from '../http/errors.js';
import { UuidParam } from '../http/params.js';
import { ValidQuery } from '../http/zod-validation.js';
import { jsonEvidence, sha256, usersCsv } from './evidence-export.js';
import { chainQuery, diffQuery, exportQuery, listSnapshotsQuery } from './snapshots.schemas.js';

@ApiTags('snapshots')
@Controller('snapshots')
export class SnapshotsController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: "A connection's snapshots, newest first" })
  @Returns(pageOf(snapshotSchema))
  async list(@ValidQuery(listSnapshotsQuery) q: z.output<typeof listSnapshotsQuery>) {
    return this.db.snapshots.list(q.connection, {
      tenantId: q.tenant,
      limit: q.limit,
      cursor: q.cursor ?? null,
    });
  }

  @Get('diff')
  @Access('viewer')
  @ApiOperation({ summary: 'Joiners, leavers and role changes between any two snapshots' })
  @Returns(
    z.object({
      from: z.object({ id: z.uuid(), takenAt: z.iso.datetime() }),
      to: z.object({ id: z.uuid(), takenAt: z.iso.datetime() }),
      diff: snapshotDiffSchema,
    }),
  )
  @Fails([404])
  async diff(@ValidQuery(diffQuery) q: z.output<typeof diffQuery>) {
    const [from, to] = await Promise.all([
      this.db.snapshots.get(q.from),
      this.db.snapshots.get(q.to),
    ]);
    if (!from) throw notFound('snapshot', q.from);
    if (!to) throw notFound('snapshot', q.to);
    return {
      from: { id: from.id, takenAt: from.takenAt },
      to: { id: to.id, takenAt: to.takenAt },
      diff: await this.db.snapshots.diff(q.from, q.to),
    };
  }

  @Get('chain')
  @Access('viewer')
  @ApiOperation({
    summary:
      "A tenant's hash chain with everything needed to verify it offline, and the server's verification",
    description:
      'Streamed as it is read from the database (format in the README, "Chain export"); `xao-model verify-chain --file` and `admin-api verify-chain --file` verify it offline.',
  })
  @Returns(snapshotChainSchema)
  @Fails([404])
  async chain(@ValidQuery(chainQuery) q: z.output<typeof chainQuery>, @Res() reply: FastifyReply) {
    const stream = await this.db.snapshots.exportChain(q.connection, q.tenant);
    // An empty chain would verify as ok: a mistyped tenant must not read as verified evidence.
    if (!stream)
      throw notFound(
        'snapshot chain of',
        `${q.connection.namespace}/${q.connection.name} tenant ${q.tenant}`,
      );
    const body = Readable.from(stream.text());
    // Past the status line an error can only cut the body short (invalid JSON, never evidence).
    body.on('error', (error) =>
      this.logger.error({ err: error, reqId: reply.request.id }, 'chain export failed midway'),
    );
    await reply.header('content-type', 'application/json; charset=utf-8').send(body);
  }

  @Get(':id')
  @Access('viewer')
  @ApiOperation({ summary: 'One snapshot with its users' })
  @Returns(snapshotDetailSchema)
  @Fails([404])
  async get(@UuidParam('id') id: string) {
    const snapshot = await this.db.snapshots.get(id);
    if (!snapshot) throw notFound('snapshot', id);
    return { ...snapshot, users: await this.db.snapshots.users(id) };
  }

  @Get(':id/export')
  @Access('viewer')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary: 'Evidence export (JSON or CSV); X-Content-SHA256 is the sha256 of the body',
  })
  @Returns(
    z.union([
      z
        .record(z.string(), z.unknown())
        .describe('JSON evidence: snapshot, contentText, users, digests'),
      z.string().describe('CSV of the users'),
    ]),
    200,
    'Evidence; header X-Content-SHA256 is the sha256 of the body',
  )
  @Fails([404])
  async export(
    @UuidParam('id') id: string,
    @ValidQuery(exportQuery) q: z.output<typeof exportQuery>,
    @Res() reply: FastifyReply,
  ) {
    const snapshot = await this.db.snapshots.get(id);
    if (!snapshot) throw notFound('snapshot', id);
    const contentText = await this.db.snapshots.contentText(id);
    const evidence = jsonEvidence(snapshot, contentText);
    const body =
      q.format === 'csv' ? usersCsv(evidence.users) : `${JSON.stringify(evidence, null, 2)}\n`;
    const file = `snapshot-${snapshot.connection.namespace}-${snapshot.connection.name}-${snapshot.sequence}.${q.format}`;
    await reply
      .header(
        'content-type',
        q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      )
      .header('content-disposition', `attachment; filename="${file}"`)
      .header('x-content-sha256', sha256(body))
      .header('x-snapshot-content-hash', snapshot.contentHash)
      .header('x-snapshot-chain-hash', snapshot.chainHash)
      .send(body);
  }
}
