import { Fails } from '../openapi/error-responses.js';
import { Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AcceptanceLapsedError, type Database, type ModelOrm } from '@xero-access/model';
import type { z } from 'zod';
import { Access } from '../auth/access.decorator.js';
import type { Principal } from '../auth/principal.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DB, MODEL } from '../database/database.module.js';
import { asBodyField, notFound } from '../http/errors.js';
import { UuidParam } from '../http/params.js';
import { pageQuery } from '../http/query-schemas.js';
import { ValidBody, ValidQuery, openApiOutputSchema } from '../http/zod-validation.js';
import { pageOf } from '../openapi/response-schemas.js';
import { Reevaluation } from '../reevaluation/reevaluation.service.js';
import { FindingEvidence } from './finding-evidence.js';
import { listFindingRows } from './finding-list-query.js';
import {
  acceptRiskBody,
  findingDetailSchema,
  findingEventSchema,
  findingPageSchema,
  findingTransitionSchema,
  listFindingsQuery,
  revokeAcceptanceBody,
} from './findings.schemas.js';

/** Who the person behind the caller is, for separation of duties. */
const personOf = (who: Principal) => ({ email: who.email, noEmailReason: who.noEmailReason });

@ApiTags('findings')
@Controller('findings')
export class FindingsController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(MODEL) private readonly model: ModelOrm,
    @Inject(FindingEvidence) private readonly evidence: FindingEvidence,
    @Inject(Reevaluation) private readonly reevaluation: Reevaluation,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({
    operationId: 'listFindings',
    summary: 'List findings (filtered, keyset-paginated)',
  })
  @ApiOkResponse({ schema: openApiOutputSchema(findingPageSchema) })
  async list(@ValidQuery(listFindingsQuery) q: z.output<typeof listFindingsQuery>) {
    return listFindingRows(
      this.model,
      {
        ...(q.connection ? { connection: q.connection } : {}),
        ...(q.tenant ? { tenantId: q.tenant } : {}),
        ...(q.check ? { check: q.check } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.severity ? { severity: q.severity } : {}),
        ...(q.subjectKind ? { subjectKind: q.subjectKind } : {}),
        ...(q.subject ? { subjectId: q.subject } : {}),
        ...(q.since ? { since: q.since } : {}),
      },
      {
        limit: q.limit ?? 50,
        cursor: q.cursor ?? null,
        sort: q.sort ?? 'firstSeenAt',
        order: q.order,
      },
    );
  }

  @Get(':id')
  @Access('viewer')
  @ApiOperation({
    operationId: 'getFinding',
    summary: 'One finding with the snapshot that evidences it',
  })
  @ApiOkResponse({ schema: openApiOutputSchema(findingDetailSchema) })
  @Fails([404])
  async get(@UuidParam('id') id: string) {
    const finding = await this.db.findings.get(id);
    if (!finding) throw notFound('finding', id);
    return { ...finding, evidence: await this.evidence.of(finding) };
  }

  @Get(':id/history')
  @Access('viewer')
  @ApiOperation({
    operationId: 'listFindingHistory',
    summary: 'State changes of a finding, oldest first, keyset-paginated',
  })
  @ApiOkResponse({ schema: openApiOutputSchema(pageOf(findingEventSchema)) })
  @Fails([404])
  async history(@UuidParam('id') id: string, @ValidQuery(pageQuery) q: z.output<typeof pageQuery>) {
    return this.db.findings.historyPage(id, { limit: q.limit, cursor: q.cursor ?? null });
  }

  @Post(':id/accept')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({
    operationId: 'acceptFindingRisk',
    summary: 'Accept the risk of a finding until a date, with a reason',
    description:
      'The acceptance ends at `expiresAt`, at most MAX_ACCEPTANCE_DAYS (default 365) days ahead; without it, after the whole maximum period. When it ends the finding is open again, whether or not its connection is still synced. ' +
      "Separation of duties, as in access reviews: for a finding about a Xero user, a caller may not accept the risk of their own access (the user's email in the evidence snapshot, or an account link to the caller's staff record) and a caller whose credential vouches for no email may not accept at all (403, naming why); connection findings are unaffected. " +
      'A retry is safe: the same acceptance again (same caller, same `reason`, and the same `expiresAt` or none) within 10 minutes of the acceptance it repeats changes nothing (no second `accepted` event, the end not moved) and answers 200 with the finding as it stands and the `accepted` event that made it. Later, or with another reason or `expiresAt`, it is a new acceptance. ' +
      "The `accepted` event records what was accepted: `snapshotId` is the finding's evidence snapshot and `note` ends with its severity and message. An acceptance covers the finding as it was: a later sync that reports it with another severity or message (the user given another role, say) ends the acceptance as an expiry does (`accepted-expired`, its note saying what changed, and its alert). " +
      'An acceptance that has lapsed but is still shown accepted (the reconciler reopens lapsed ones every minute) is ended first, with its `accepted-expired` event, before this new acceptance; it is not taken for a retry.',
  })
  @ApiOkResponse({ schema: openApiOutputSchema(findingTransitionSchema) })
  @Fails([404, 409])
  async accept(
    @UuidParam('id') id: string,
    @ValidBody(acceptRiskBody) body: z.output<typeof acceptRiskBody>,
    @CurrentPrincipal() who: Principal,
  ) {
    const accepted = await this.db.findings
      .acceptRisk(
        id,
        { reason: body.reason, by: who.actor, until: body.expiresAt, person: personOf(who) },
        { maxDays: this.config.maxAcceptanceDays },
      )
      .catch((error: unknown) => {
        // The model checks the expiry against the period; the caller sent it as expiresAt.
        throw asBodyField(error, { until: 'expiresAt' });
      });
    // A sync now: the connection's open counts change, and the reconciler schedules its next sync
    // by the time this acceptance ends, so the finding reopens then.
    await this.resync('finding.accept', accepted.finding.connection);
    return accepted;
  }

  @Delete(':id/acceptance')
  @Access('admin')
  @ApiOperation({
    operationId: 'withdrawFindingAcceptance',
    summary: 'Withdraw an accepted risk: the finding is open again',
    description:
      "Any admin may withdraw an acceptance, the finding's subject included: reopening the finding is the conservative direction, as the acceptance's expiry does by itself, so separation of duties does not apply here (it does to accepting). " +
      'A retry is safe: the same withdrawal again (same caller, same `note` or none) within 10 minutes of the withdrawal it repeats, while that withdrawal is still the latest change of the finding, changes nothing and answers 200 with the finding as it stands and the `acceptance-revoked` event that made it. Withdrawing a finding that is not accepted is otherwise 409. ' +
      'An acceptance that has lapsed but is still shown accepted (the reconciler reopens lapsed ones every minute) is ended as that would end it (`accepted-expired` in the history) and the withdrawal answered 409 naming when it lapsed: there was nothing left to withdraw.',
  })
  @ApiOkResponse({ schema: openApiOutputSchema(findingTransitionSchema) })
  @Fails([404, 409])
  async revokeAcceptance(
    @UuidParam('id') id: string,
    @ValidBody(revokeAcceptanceBody) body: z.output<typeof revokeAcceptanceBody>,
    @CurrentPrincipal() who: Principal,
  ) {
    const revoked = await this.db.findings
      .revokeAcceptance(id, who.actor, body?.note ?? null)
      .catch(async (error: unknown) => {
        // Refused, but the lapsed acceptance was ended: the open counts changed all the same.
        if (error instanceof AcceptanceLapsedError)
          await this.resync('finding.acceptance-lapsed', error.finding.connection);
        throw error;
      });
    await this.resync('finding.acceptance-withdrawn', revoked.finding.connection);
    return revoked;
  }

  private resync(reason: string, connection: { namespace: string; name: string }) {
    return this.reevaluation.connections(reason, [`${connection.namespace}/${connection.name}`]);
  }
}
