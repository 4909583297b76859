import { Readable } from 'node:stream';
import { Fails } from '../openapi/error-responses.js';
import { z } from 'zod';
import { Returns } from '../openapi/returns.js';
import {
  pageOf,
  snapshotChainSchema,
  snapshotDetailSchema,
  snapshotDiffBetweenSchema,
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
import { asQueryField, notFound } from '../http/errors.js';
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
  @ApiOperation({
    summary: 'Who gained, lost or changed access from an older to a later snapshot of one tenant',
    description:
      'A user whose role turns REMOVED (how Xero lists a removed user) is a leaver, one whose role ' +
      'stops being REMOVED a joiner; roleChanges are between roles with access. `from` must be ' +
      'older than `to`, and both of one connection and tenant (else 400 naming the field).',
  })
  @Returns(snapshotDiffBetweenSchema)
  @Fails([404])
  async diff(@ValidQuery(diffQuery) q: z.output<typeof diffQuery>) {
    try {
      return await this.db.snapshots.diff(q.from, q.to);
    } catch (error) {
      throw asQueryField(error);
    }
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
    // Past the status line the body can only be cut short, before its closing `verification`.
    // A reset, not a close: a body delimited by the close (HTTP/1.0, or a proxy reading it so)
    // would otherwise end cleanly, and a chunked one must not reach its last chunk either.
    body.on('error', (error) => {
      this.logger.error({ err: error, reqId: reply.request.id }, 'chain export failed midway');
      reply.raw.socket?.resetAndDestroy();
    });
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
