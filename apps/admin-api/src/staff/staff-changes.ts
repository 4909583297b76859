import { Inject, Injectable } from '@nestjs/common';
import type { Database, StaffRecord } from '@xero-access/model';
import { DB } from '../database/database.module.js';
import type { ReevaluationOutcome } from '../reevaluation/reevaluation.js';
import { Reevaluation } from '../reevaluation/reevaluation.service.js';

/** Turns staff directory changes into re-evaluation requests for the connections they touch. */
@Injectable()
export class StaffChanges {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(Reevaluation) private readonly reevaluation: Reevaluation,
  ) {}

  /** `records`: the member before and/or after the change (emails of both matter). */
  async changed(
    reason: string,
    records: readonly StaffRecord[],
    extraUserIds: readonly string[] = [],
  ): Promise<ReevaluationOutcome> {
    const userIds = [
      ...extraUserIds,
      ...(await this.db.links.linkedUserIds(records.map((r) => r.id))),
    ];
    return this.reevaluation.after(reason, { emails: records.map((r) => r.email), userIds });
  }

  /**
   * Bulk import: every connection that holds any of the emails, or a user linked to a member the
   * import updated (created members have no links yet).
   */
  async imported(
    reason: string,
    emails: readonly string[],
    updatedIds: readonly string[],
  ): Promise<ReevaluationOutcome> {
    return this.reevaluation.after(reason, {
      emails,
      userIds: await this.db.links.linkedUserIds(updatedIds),
    });
  }
}
