import { Fails } from '../openapi/error-responses.js';
import type { z } from 'zod';
import { Returns } from '../openapi/returns.js';
import {
  pageOf,
  snapshotChainSchema,
  snapshotDetailSchema,
  snapshotDiffBetweenSchema,
  snapshotEvidenceSchema,
  snapshotSchema,
} from '../openapi/response-schemas.js';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parseExpectedLinks, type Database, type ExpectedLink } from '@xero-access/model';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Access } from '../auth/access.decorator.js';
import { DB } from '../database/database.module.js';
import { LOGGER } from '../logging/logger.module.js';
import { asQueryField, notFound } from '../http/errors.js';
import { sendStreamedJson } from '../http/streamed-json.js';
import { UuidParam } from '../http/params.js';
import { openApiOutputSchema, ValidQuery } from '../http/zod-validation.js';
import {
  CSV_COLUMNS,
  evidenceFileName,
  jsonEvidence,
  sha256,
  usersCsv,
} from './evidence-export.js';
import { chainQuery, diffQuery, exportQuery, listSnapshotsQuery } from './snapshots.schemas.js';

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
/** What the evidence export sets besides its content type (see export below). */
const EVIDENCE_HEADERS = {
  'Content-Disposition': {
    description:
      'attachment; filename="snapshot-<namespace>-<name>-<tenantId>-<sequence>.<json|csv>" (sequences count per tenant)',
    required: true,
    schema: { type: 'string' },
  },
  'X-Content-SHA256': {
    description: 'sha256 (hex) of this body',
    required: true,
    schema: hex64,
  },
  'X-Snapshot-Content-Hash': {
    description: "The snapshot's contentHash: sha256 (hex) of its canonical users JSON",
    required: true,
    schema: hex64,
  },
  'X-Snapshot-Chain-Hash': {
    description: "The snapshot's chainHash, its link in the tenant's hash chain",
    required: true,
    schema: hex64,
  },
};

@ApiTags('snapshots')
@Controller('snapshots')
export class SnapshotsController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ operationId: 'listSnapshots', summary: "A connection's snapshots, newest first" })
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
    operationId: 'diffSnapshots',
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
    operationId: 'exportSnapshotChain',
    summary:
      "A tenant's hash chain with everything needed to verify it offline, and the server's verification",
    description:
      'Streamed as it is read from the database (format in the README, "Chain export"); `xao-model verify-chain --file` and `admin-api verify-chain --file` verify it offline. `verification` also checks the links `expect` names, and each snapshot\'s diff and counts as the database stores them (which the export does not hold: `diff-mismatch`, `user-count-mismatch`).',
  })
  @Returns(snapshotChainSchema)
  @Fails([404])
  async chain(@ValidQuery(chainQuery) q: z.output<typeof chainQuery>, @Res() reply: FastifyReply) {
    let expect: ExpectedLink[];
    try {
      expect = parseExpectedLinks(q.expect ?? [], 'expect');
    } catch (error) {
      throw asQueryField(error);
    }
    const stream = await this.db.snapshots.exportChain(q.connection, q.tenant, { expect });
    // An empty chain would verify as ok: a mistyped tenant must not read as verified evidence.
    if (!stream)
      throw notFound(
        'snapshot chain of',
        `${q.connection.namespace}/${q.connection.name} tenant ${q.tenant}`,
      );
    await sendStreamedJson(reply, stream.text(), this.logger, 'chain export failed midway');
  }

  @Get(':id')
  @Access('viewer')
  @ApiOperation({ operationId: 'getSnapshot', summary: 'One snapshot with its users' })
  @Returns(snapshotDetailSchema)
  @Fails([404])
  async get(@UuidParam('id') id: string) {
    const snapshot = await this.db.snapshots.get(id);
    if (!snapshot) throw notFound('snapshot', id);
    return { ...snapshot, users: await this.db.snapshots.users(id) };
  }

  @Get(':id/export')
  @Access('viewer')
  @ApiOperation({
    operationId: 'exportSnapshotEvidence',
    summary: 'Evidence export (JSON or CSV); X-Content-SHA256 is the sha256 of the body',
  })
  @ApiResponse({
    status: 200,
    description: 'The evidence, as a download: JSON (format=json) or CSV (format=csv)',
    content: {
      'application/json': { schema: openApiOutputSchema(snapshotEvidenceSchema) },
      'text/csv': {
        schema: {
          type: 'string',
          description: `The users (RFC 4180, CRLF line ends), after the header line ${CSV_COLUMNS.join(',')}. Only users: its sha256 is digests.usersCsvSha256 of the JSON export of the same snapshot, which names the snapshot (connection, tenant, sequence, hashes)`,
        },
      },
    },
    headers: EVIDENCE_HEADERS,
  })
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
    const file = evidenceFileName(snapshot, q.format);
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
